"""What a participant sees of their own attempts and of a round's results: the receipt
fields, the score and the review, each only when the contest's rules allow."""

from __future__ import annotations

from chalicelib.catalog import Catalog, ContestSnapshot
from chalicelib.data.repository import AttemptRecord, Repository
from chalicelib.domain import identity, integrity, quiz, timing
from chalicelib.errors import ContestError
from chalicelib.settings import Settings


def answered(attempt: AttemptRecord) -> int:
    return len(attempt.answers) if attempt.answered is None else attempt.answered


def visibility(round_id: str, snapshot: ContestSnapshot) -> dict:
    """Whether the score and the review of this round may be shown, and from when."""
    rules = snapshot.rules
    record = snapshot.rounds.get(round_id)
    state = record.state if record is not None else "scheduled"
    states = [r.state for r in snapshot.rounds.values()]
    last_close = max((r.closes_at for r in snapshot.rounds.values()), default=None)
    return {
        "score_visible": integrity.score_visible(rules, state),
        "score_visible_from": None
        if rules["score_visibility"] == "at_submit" or record is None
        else timing.to_iso(record.closes_at),
        "review_visible": integrity.review_visible(rules, state, states),
        "review_visible_from": timing.to_iso(
            record.closes_at if rules["review_visibility"] == "after_close" and record else last_close
        ),
    }


class ParticipantHistory:
    def __init__(self, *, repository: Repository, catalog: Catalog, settings: Settings) -> None:
        self._repository = repository
        self._catalog = catalog
        self._settings = settings
        self._secret = settings.token_secret

    def me(self, participant_id: str) -> dict:
        participant = self._repository.get_participant(participant_id)
        if participant is None:
            raise ContestError("UNAUTHORIZED", 401)
        snapshot = self._catalog.snapshot()
        attempts = self._repository.list_attempts(participant_id)
        return {
            "participant": {
                "participant_id": participant.participant_id,
                "full_name": participant.full_name,
                "date_of_birth": participant.date_of_birth,
                "gender": participant.gender,
                "phone": participant.phone,
                "unit_id": participant.unit_id,
                "workplace": participant.workplace,
                "national_id_masked": identity.mask_national_id(participant.national_id),
            },
            "attempts": [self._history_entry(a, snapshot) for a in attempts],
        }

    def _history_entry(self, attempt: AttemptRecord, snapshot: ContestSnapshot) -> dict:
        shown = visibility(attempt.round_id, snapshot)
        entry = {
            "attempt_id": attempt.attempt_id,
            "round_id": attempt.round_id,
            "status": attempt.status,
            "answered": answered(attempt),
            "total": attempt.total,
            "duration_ms": attempt.duration_ms,
            "started_at": timing.to_iso(attempt.started_at),
            "deadline_at": timing.to_iso(attempt.deadline_at),
            "submitted_at": timing.to_iso(attempt.submitted_at),
            "receipt": attempt.receipt,
            **shown,
        }
        if attempt.status == "submitted" and shown["score_visible"]:
            entry["correct"] = attempt.correct
        if attempt.status == "submitted" and shown["review_visible"]:
            entry["review"] = self._review(attempt)
        return entry

    def _review(self, attempt: AttemptRecord) -> list[dict]:
        """Correct answers of the person's own attempt, by the versions it showed, once the
        rules let the review be seen."""
        versions = self._catalog.bank().shown_questions(quiz.parse_layout(attempt.layout))
        layout = [entry for entry in quiz.parse_layout(attempt.layout) if entry[0] in versions]
        shown = quiz.present_questions(layout, versions, secret=self._secret, attempt_id=attempt.attempt_id)
        correct = quiz.correct_option_ids(
            layout, versions, secret=self._secret, attempt_id=attempt.attempt_id
        )
        return [
            {
                **question,
                "chosen_option_id": attempt.answers.get(question["id"]),
                "correct_option_id": correct[question["id"]],
                "source": versions[question["id"]].source,
            }
            for question in shown
        ]

    def results(self, round_id: str) -> dict:
        record = self._catalog.snapshot().round(round_id)
        published = (
            None
            if record.closed_at is None
            else self._repository.get_results(self._settings.contest_id, round_id, record.closed_at)
        )
        if published is None:
            raise ContestError("RESULTS_NOT_PUBLISHED", 404)
        return published
