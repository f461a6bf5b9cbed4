"""The committee's review of prize candidates before publication: flags computed off the
live path (at ranking, and in the organizers' preview), and disqualifications.

Flags read only the candidates (a dozen people a round): their attempts, their
registration's window counter and their phone's counter.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import DisqualificationRecord, Repository
from chalicelib.domain import identity, integrity, quiz, tokens
from chalicelib.domain.ranking import RankedEntry
from chalicelib.errors import ContestError
from chalicelib.integrity.limits import Guard
from chalicelib.organizers.policy import Actor
from chalicelib.settings import Settings
from chalicelib.validation import national_id_field, require_object, text_field

MAX_REASON = 500


def candidates_of(entries: list[RankedEntry]) -> list[RankedEntry]:
    """The head of a ranking down to its last prize: whoever could have won or did."""
    last = max((i for i, e in enumerate(entries) if e.prize is not None), default=-1)
    return entries[: last + 1]


class PrizeReview:
    def __init__(
        self, *, repository: Repository, catalog: Catalog, clock: Clock, settings: Settings, guard: Guard
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._settings = settings
        self._guard = guard

    def flags(self, candidates: Iterable[RankedEntry]) -> dict[str, list[dict]]:
        """Review flags per attempt id of these candidates (``domain.integrity``)."""
        candidates = list(candidates)
        if not candidates:
            return {}
        keys = [_attempt_key(e.attempt_id) for e in candidates]
        attempts = {a.attempt_id: a for a in self._repository.get_attempts(keys)}
        people = self._repository.get_participants(e.participant_id for e in candidates)
        windows = self._repository.get_values(f"REGFROM#{e.participant_id}" for e in candidates)
        phone_keys = {pid: self._guard.phone_key(p.phone) for pid, p in people.items()}
        counts = self._repository.get_counts([*windows.values(), *phone_keys.values()])
        evidence = []
        for entry in candidates:
            attempt = attempts.get(entry.attempt_id)
            choices = (
                quiz.chosen_source_indexes(
                    quiz.parse_layout(attempt.layout),
                    attempt.answers,
                    secret=self._settings.token_secret,
                    attempt_id=attempt.attempt_id,
                )
                if attempt is not None
                else {}
            )
            window = windows.get(f"REGFROM#{entry.participant_id}")
            phone_key = phone_keys.get(entry.participant_id)
            evidence.append(
                integrity.CandidateEvidence(
                    participant_id=entry.participant_id,
                    attempt_id=entry.attempt_id,
                    too_fast=entry.too_fast,
                    choices=choices,
                    prediction=entry.prediction,
                    registrations_from_client=counts.get(window, 0) if window else 0,
                    accounts_on_phone=counts.get(phone_key, 0) if phone_key else 0,
                )
            )
        return integrity.review_flags(evidence)

    def disqualified(self, round_id: str) -> dict[str, DisqualificationRecord]:
        return {
            d.participant_id: d
            for d in self._repository.list_disqualifications(self._settings.contest_id, round_id)
        }

    def disqualify(self, round_id: str, body: object, actor: Actor) -> DisqualificationRecord:
        """Record the committee's decision (the caller re-ranks); 409 once published."""
        body = require_object(body)
        national_id = national_id_field(body.get("national_id"))
        reason = text_field(body, "reason", max_length=MAX_REASON)
        self._refuse_if_published(round_id)
        registration = self._repository.get_registration(
            tokens.participant_id_for(self._settings.token_secret, national_id)
        )
        if registration is None:
            raise ContestError("PARTICIPANT_NOT_FOUND", 404, field="national_id")
        now = self._clock.now_ms()
        record = DisqualificationRecord(
            round_id=round_id,
            participant_id=registration.member_id,
            national_id_masked=identity.mask_national_id(national_id),
            reason=reason,
            actor=actor.username,
            at=now,
        )
        self._repository.put_disqualification(self._settings.contest_id, record)
        self._repository.record_action(
            self._settings.contest_id,
            now,
            actor,
            "round.disqualify",
            round_id,
            {"national_id_masked": record.national_id_masked, "reason": reason},
        )
        return record

    def undo(self, round_id: str, national_id: str, actor: Actor) -> DisqualificationRecord:
        national_id = national_id_field(national_id)
        self._refuse_if_published(round_id)
        registration = self._repository.get_registration(
            tokens.participant_id_for(self._settings.token_secret, national_id)
        )
        found = registration and self.disqualified(round_id).get(registration.member_id)
        if not found or not self._repository.delete_disqualification(
            self._settings.contest_id, round_id, registration.member_id
        ):
            raise ContestError("PARTICIPANT_NOT_FOUND", 404, field="national_id")
        self._repository.record_action(
            self._settings.contest_id,
            self._clock.now_ms(),
            actor,
            "round.undo_disqualification",
            round_id,
            {"national_id_masked": found.national_id_masked},
        )
        return found

    def _refuse_if_published(self, round_id: str) -> None:
        if self._catalog.snapshot(fresh=True).round(round_id).state == "published":
            raise ContestError("ROUND_PUBLISHED", 409)


def _attempt_key(attempt_id: str) -> tuple[str, str, int]:
    participant_id, round_id, number = attempt_id.split(".")
    return participant_id, round_id, int(number)
