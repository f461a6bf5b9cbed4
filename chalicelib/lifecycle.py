"""Rounds close, rank and publish by themselves: scheduled, scheduled, state ↦ state.

Each step is guarded by the round's stored state (scheduled → closed → ranked →
published) with a conditional write, so a trigger that comes twice, late or concurrently
changes nothing more, and a missed trigger is caught up by the next one.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from chalicelib.catalog import Catalog
from chalicelib.clock import Clock
from chalicelib.data.repository import DisqualificationRecord, Repository, RoundRecord
from chalicelib.domain import ranking, timing
from chalicelib.errors import ContestError
from chalicelib.integrity.review import PrizeReview, candidates_of
from chalicelib.participants import ParticipantService
from chalicelib.rankings import STATES_AFTER_CLOSE, RankingBuilder, entry_view
from chalicelib.settings import Settings

logger = Logger(service="songcong-contest")


def _disqualification_view(record: DisqualificationRecord | None) -> dict | None:
    if record is None:
        return None
    return {"reason": record.reason, "by": record.actor, "at": timing.to_iso(record.at)}


class RoundLifecycle:
    def __init__(
        self,
        *,
        repository: Repository,
        catalog: Catalog,
        participants: ParticipantService,
        review: PrizeReview,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._participants = participants
        self._review = review
        self._rankings = RankingBuilder(repository=repository, settings=settings, clock=clock, review=review)
        self._clock = clock
        self._settings = settings
        self._contest_id = settings.contest_id

    # --- what the schedules call ------------------------------------------------------------

    def close_and_rank_due(self) -> list[str]:
        """Close every round whose closing time (plus the network grace) has passed, then
        rank every closed round. Returns what it did, for the logs."""
        done = []
        snapshot = self._catalog.snapshot(fresh=True)
        grace_ms = snapshot.rules["grace_seconds"] * 1000
        for record in snapshot.rounds.values():
            if record.state == "scheduled" and self._clock.now_ms() >= record.closes_at + grace_ms:
                self.close(record.round_id)
                done.append(f"closed {record.round_id}")
        for record in self._catalog.snapshot(fresh=True).rounds.values():
            if record.state == "closed":
                try:
                    self.rank(record.round_id)
                    done.append(f"ranked {record.round_id}")
                except ContestError as waiting:  # STATS_PENDING: the next tick ranks it
                    done.append(f"{waiting.code} {record.round_id}")
        return done

    def publish_due(self) -> list[str]:
        done = []
        for record in self._catalog.snapshot(fresh=True).rounds.values():
            if record.state == "ranked" and self._clock.now_ms() >= record.publish_at:
                self.publish(record.round_id)
                done.append(f"published {record.round_id}")
        return done

    # --- the steps ----------------------------------------------------------------------------

    def close(self, round_id: str) -> RoundRecord:
        """Submit every attempt still open with its saved answers, fix the actual value of
        the prediction question (submitted attempts in the round), refuse later submits."""
        snapshot = self._catalog.snapshot(fresh=True)
        record = snapshot.round(round_id)
        if record.state in STATES_AFTER_CLOSE:
            return record
        now = self._clock.now_ms()
        if now < record.closes_at + snapshot.rules["grace_seconds"] * 1000:
            raise ContestError("ROUND_NOT_DUE", 409)
        shards = ranking.board_shards(round_id, self._settings.attempt_shards)
        for attempt in self._repository.get_attempts(self._repository.open_attempt_keys(shards)):
            if attempt.status != "open":
                continue
            try:
                self._participants.finalize(
                    attempt,
                    attempt.answers,
                    attempt.prediction,
                    now,
                    by="close",
                    round_closes_at=record.closes_at,
                )
            except ContestError:
                continue  # the participant's own submit won the race: it stands
        actual = self._repository.count_submitted(shards)
        moved = self._repository.advance_round_state(
            self._contest_id,
            round_id,
            "scheduled",
            "closed",
            now,
            actual_prediction_value=actual,
            closed_at=now,
        )
        logger.info("round close", extra={"round_id": round_id, "actual": actual, "moved": moved})
        self._catalog.forget()
        return self._repository.get_round(self._contest_id, round_id)

    def rank(self, round_id: str) -> dict:
        """Compute the round's ranking once and store it (not yet public)."""
        snapshot = self._catalog.snapshot(fresh=True)
        record = snapshot.round(round_id)
        if record.state not in STATES_AFTER_CLOSE:
            raise ContestError("ROUND_NOT_CLOSED", 409)
        stored = self._repository.get_ranking(self._contest_id, round_id, record.closed_at)
        if stored is not None:
            self._advance(round_id, "closed", "ranked", ranked_at=self._clock.now_ms())
            return stored
        body, digest = self._rankings.compute(record, snapshot)
        self._repository.put_ranking(
            self._contest_id, round_id, record.closed_at, body, digest, self._clock.now_ms()
        )
        self._advance(round_id, "closed", "ranked", ranked_at=self._clock.now_ms())
        return self._repository.get_ranking(self._contest_id, round_id, record.closed_at)

    def publish(self, round_id: str) -> dict:
        """Publish the stored ranking as an immutable snapshot."""
        record = self._catalog.snapshot(fresh=True).round(round_id)
        if record.state == "published":
            return self._repository.get_results(self._contest_id, round_id, record.closed_at)
        if record.state != "ranked":
            raise ContestError("ROUND_NOT_RANKED", 409)
        stored = self._repository.get_ranking(self._contest_id, round_id, record.closed_at)
        now = self._clock.now_ms()
        public = {k: v for k, v in stored.items() if not k.startswith("_")}
        public["published_at"] = timing.to_iso(now)
        self._repository.put_results(
            self._contest_id, round_id, record.closed_at, public, public["sha256"], now
        )
        self._advance(round_id, "ranked", "published", published_at=now)
        return self._repository.get_results(self._contest_id, round_id, record.closed_at)

    def preview(self, round_id: str) -> dict:
        """The full ranking as it stands (provisional before closing), for organizers."""
        snapshot = self._catalog.snapshot(fresh=True)
        record = snapshot.round(round_id)
        shards = ranking.board_shards(round_id, self._settings.attempt_shards)
        attempts = list(self._repository.read_whole_board(shards))
        actual = (
            record.actual_prediction_value if record.actual_prediction_value is not None else len(attempts)
        )
        excluded = self._rankings.excluded_participant_ids(snapshot)
        disqualified = self._review.disqualified(round_id)
        entries = ranking.rank_individuals(
            attempts,
            actual,
            excluded | set(disqualified),
            prizes=snapshot.contest["prizes"]["individual"],
            min_seconds_per_question=snapshot.rules["min_seconds_per_question"],
        )
        flags = self._review.flags(candidates_of(entries))
        people = self._repository.get_participants(e.participant_id for e in entries[:200])
        flagged_people: dict[str, set[str]] = {}
        for e in entries:
            if e.too_fast or flags.get(e.attempt_id) or e.participant_id in disqualified:
                flagged_people.setdefault(e.unit_id, set()).add(e.participant_id)
        units = {e.unit_id for e in entries}
        return {
            "round_id": round_id,
            "state": record.state,
            "provisional": record.state == "scheduled",
            "actual_prediction_value": actual,
            "entries": [
                {
                    **entry_view(e, people.get(e.participant_id)),
                    "excluded": e.participant_id in excluded,
                    "too_fast": e.too_fast,
                    "flags": flags.get(e.attempt_id, []),
                    "disqualified": _disqualification_view(disqualified.get(e.participant_id)),
                }
                for e in entries
            ],
            "units": [
                {
                    "unit_id": unit_id,
                    "participants": sum(1 for e in entries if e.unit_id == unit_id),
                    "flagged_participants": len(flagged_people.get(unit_id, ())),
                }
                for unit_id in sorted(units)
            ],
        }

    def rerank(self, round_id: str) -> dict | None:
        """After a disqualification: a round already ranked is ranked again from the same
        data (deterministic: the same decisions give the same sha256). A round not yet
        ranked needs nothing; a published one cannot change (409 ``ROUND_PUBLISHED``)."""
        snapshot = self._catalog.snapshot(fresh=True)
        record = snapshot.round(round_id)
        if record.state == "published":
            raise ContestError("ROUND_PUBLISHED", 409)
        if record.state != "ranked":
            return None
        body, digest = self._rankings.compute(record, snapshot)
        if not self._repository.replace_ranking(
            self._contest_id, round_id, record.closed_at, body, digest, self._clock.now_ms()
        ):
            raise ContestError("ROUND_PUBLISHED", 409)
        return {k: v for k, v in body.items() if not k.startswith("_")}

    # --- helpers ----------------------------------------------------------------------------

    def _advance(self, round_id: str, expected: str, new: str, **extra: int) -> None:
        self._repository.advance_round_state(
            self._contest_id, round_id, expected, new, self._clock.now_ms(), **extra
        )
        self._catalog.forget()
