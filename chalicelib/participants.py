"""What a participant can do once registered: take timed attempts, see results.

Each method takes already-parsed JSON and returns the response body; refusals are
``ContestError``. DynamoDB cost per call is noted where it matters for the burst.
"""

from __future__ import annotations

import re
from dataclasses import replace

from chalicelib.catalog import Catalog, ContestSnapshot
from chalicelib.clock import Clock
from chalicelib.data.repository import AttemptRecord, Repository
from chalicelib.domain import quiz, timing
from chalicelib.domain.ranking import board_key, board_shard, collective_rules
from chalicelib.errors import ContestError
from chalicelib.history import answered, visibility
from chalicelib.settings import Settings
from chalicelib.validation import (
    answers_field,
    flag_field,
    prediction_field,
    require_object,
    validation_error,
)

_ATTEMPT_ID = re.compile(r"^(p[0-9a-f]{23}(?:r[1-9][0-9]{0,2})?)\.([A-Za-z0-9_-]{1,32})\.([1-9][0-9]?)$")


def parse_attempt_id(attempt_id: str) -> tuple[str, str, int]:
    match = _ATTEMPT_ID.match(attempt_id or "")
    if not match:
        raise ContestError("ATTEMPT_NOT_FOUND", 404)
    return match.group(1), match.group(2), int(match.group(3))


class ParticipantService:
    def __init__(self, *, repository: Repository, catalog: Catalog, clock: Clock, settings: Settings) -> None:
        self._repository = repository
        self._catalog = catalog
        self._clock = clock
        self._settings = settings
        self._secret = settings.token_secret

    # --- contest ------------------------------------------------------------------------

    def contest_view(self) -> dict:
        snapshot = self._catalog.snapshot()
        contest = snapshot.contest
        now = self._clock.now_ms()
        criteria, populations = collective_rules(contest)
        return {
            "id": contest["id"],
            "name": contest["name"],
            "organizer": contest.get("organizer", ""),
            "timezone": contest["timezone"],
            "server_time": timing.to_iso(now),
            "rounds": [self._round_view(r, now) for r in snapshot.rounds.values()],
            "units": contest["units"],
            "documents": contest["documents"],
            "rules": contest["rules"],
            "prizes": {
                **contest["prizes"],
                "collective_criteria": criteria,
                "collective_per_thousand_inhabitants": populations is not None,
            },
        }

    @staticmethod
    def _round_view(record, now: int) -> dict:
        times = timing.RoundTimes(record.opens_at, record.closes_at, record.publish_at)
        return {
            "id": record.round_id,
            "name": record.name,
            "opens_at": timing.to_iso(record.opens_at),
            "closes_at": timing.to_iso(record.closes_at),
            "publish_at": timing.to_iso(record.publish_at),
            "status": timing.round_status(times, record.state, now),
        }

    # --- attempts -----------------------------------------------------------------------

    def start_attempt(self, participant_id: str, round_id: str) -> tuple[int, dict]:
        """Return ``(201, new attempt)`` or ``(200, the unfinished one)``.

        Cost: one Query of the person's attempts (their partition: this round's, and the
        earlier ones whose questions the draw avoids), one conditional Put, and one GetItem
        of the participant for a new attempt (contest and bank are cached).
        """
        snapshot = self._catalog.snapshot()
        round_record = snapshot.round(round_id)
        now = self._clock.now_ms()
        rules = snapshot.rules
        everything = self._repository.list_attempts(participant_id)
        existing = [attempt for attempt in everything if attempt.round_id == round_id]
        for attempt in existing:
            if attempt.status == "open":
                if self._accepts_writes(attempt, snapshot, now):
                    return 200, self._attempt_view(attempt, snapshot)
                self.finalize(attempt, attempt.answers, attempt.prediction, now, by="deadline")
        times = timing.RoundTimes(round_record.opens_at, round_record.closes_at, round_record.publish_at)
        if not timing.accepts_new_attempts(times, round_record.state, now):
            raise ContestError("ROUND_NOT_OPEN", 409)
        if len(existing) >= rules["max_attempts_per_round"]:
            raise ContestError("ATTEMPT_LIMIT_REACHED", 409)
        participant = self._repository.get_participant(participant_id)
        if participant is None:
            raise ContestError("UNAUTHORIZED", 401)
        number = len(existing) + 1
        attempt = AttemptRecord(
            participant_id=participant_id,
            round_id=round_id,
            number=number,
            unit_id=participant.unit_id,
            status="open",
            started_at=now,
            deadline_at=timing.attempt_deadline(now, rules["time_limit_seconds"], round_record.closes_at),
            layout=[],
        )
        seen = {entry[0] for earlier in everything for entry in earlier.layout}
        attempt.layout = [
            list(entry)
            for entry in quiz.draw_layout(
                self._catalog.bank().active,
                quiz.DrawRules.of(rules),
                secret=self._secret,
                attempt_id=attempt.attempt_id,
                seen=seen,
            )
        ]
        shard = board_shard(round_id, attempt.attempt_id, self._settings.attempt_shards)
        if not self._repository.create_attempt(attempt, open_shard=shard):
            # A concurrent request created this attempt number first: resume it instead.
            return self.start_attempt(participant_id, round_id)
        return 201, self._attempt_view(attempt, snapshot)

    def save_answers(self, participant_id: str, attempt_id: str, body: object) -> dict:
        """One conditional UpdateItem of the save item and no read (autosave is frequent). The
        attempt's first save makes the save item: the page says so (``first_save``) and the
        attempt is read once, half a unit; without the hint the update is tried first."""
        owner, round_id, number = self._own_attempt(participant_id, attempt_id)
        body = require_object(body)
        answers = answers_field(body) or {}
        prediction = prediction_field(body)
        first = flag_field(body, "first_save")
        now = self._clock.now_ms()
        snapshot = self._catalog.snapshot()
        grace_ms = snapshot.rules["grace_seconds"] * 1000
        round_record = snapshot.rounds.get(round_id)
        if round_record is None:
            raise ContestError("ATTEMPT_NOT_FOUND", 404)
        if round_record.state != "scheduled" or now > round_record.closes_at + grace_ms:
            raise ContestError("ATTEMPT_CLOSED", 409)  # the round closed (maybe moved earlier)
        self._refuse_answers_outside(attempt_id, answers)
        saved = {"saved": True, "saved_at": timing.to_iso(now)}
        save = (owner, round_id, number, answers, prediction, now, grace_ms)
        if not first and self._repository.save_answers(*save):
            return saved
        attempt = self._repository.get_attempt(
            owner, round_id, number, with_save=False, consistent=False
        ) or self._repository.get_attempt(owner, round_id, number, with_save=False)
        if attempt is None:
            raise ContestError("ATTEMPT_NOT_FOUND", 404)
        if attempt.status != "open" or not self._accepts_writes(attempt, snapshot, now):
            raise ContestError("ATTEMPT_CLOSED", 409)
        # The first save makes the item; one that lost the race to another save updates it.
        if self._repository.create_save(attempt, answers, prediction, now) or (
            first and self._repository.save_answers(*save)
        ):
            return saved
        raise ContestError("ATTEMPT_CLOSED", 409)

    def submit(self, participant_id: str, attempt_id: str, body: object) -> dict:
        """One GetItem (two when the body leaves answers or prediction to the last save),
        the save item closed and one conditional UpdateItem; a repeated call returns the
        stored result without writing."""
        owner, round_id, number = self._own_attempt(participant_id, attempt_id)
        body = require_object(body)
        answers = answers_field(body)
        prediction = prediction_field(body)
        if answers:
            self._refuse_answers_outside(attempt_id, answers)
        attempt = self._repository.get_attempt(
            owner, round_id, number, with_save=answers is None or prediction is None
        )
        if attempt is None:
            raise ContestError("ATTEMPT_NOT_FOUND", 404)
        snapshot = self._catalog.snapshot()
        if attempt.status == "submitted":
            if attempt.submitted_by != "participant":
                raise ContestError("ATTEMPT_CLOSED", 409)
            return self._submitted_view(attempt, snapshot)
        now = self._clock.now_ms()
        if not self._accepts_writes(attempt, snapshot, now):
            raise ContestError("ATTEMPT_CLOSED", 409)
        final_answers = attempt.answers if answers is None else answers
        final_prediction = attempt.prediction if prediction is None else prediction
        done = self.finalize(attempt, final_answers, final_prediction, now, by="participant")
        return self._submitted_view(done, snapshot)

    def finalize(
        self,
        attempt: AttemptRecord,
        answers: dict,
        prediction: int | None,
        now: int,
        *,
        by: str,
        round_closes_at: int | None = None,
    ) -> AttemptRecord:
        """Score and store an attempt once; whoever loses a race reads the winner's result.
        Closing passes the round's closing time, which may have moved before the deadline."""
        deadline = (
            attempt.deadline_at if round_closes_at is None else min(attempt.deadline_at, round_closes_at)
        )
        layout = quiz.parse_layout(attempt.layout)
        known = {question_id for question_id, _order, _version in layout}
        answers = {q: a for q, a in answers.items() if q in known}
        shown = self._catalog.bank().shown_questions(layout)
        correct = quiz.score(layout, answers, shown, secret=self._secret, attempt_id=attempt.attempt_id)
        submitted_at = now if by == "participant" else min(now, deadline)
        done = replace(
            attempt,
            status="submitted",
            answers=answers,
            prediction=prediction,
            submitted_at=submitted_at,
            submitted_by=by,
            duration_ms=timing.attempt_duration(attempt.started_at, deadline, submitted_at),
            correct=correct,
            total=len(layout),
            answered=len(answers),
            receipt=quiz.receipt(self._secret, attempt.attempt_id, submitted_at, answers, prediction),
        )
        shard = board_shard(attempt.round_id, attempt.attempt_id, self._settings.attempt_shards)
        key = board_key(correct, prediction, done.duration_ms, submitted_at, attempt.attempt_id)
        if self._repository.submit_attempt(done, shard, key):
            return done
        stored = self._repository.get_attempt(attempt.participant_id, attempt.round_id, attempt.number)
        if stored is None or stored.submitted_by != by:
            raise ContestError("ATTEMPT_CLOSED", 409)
        return stored

    def _refuse_answers_outside(self, attempt_id: str, answers: dict) -> None:
        """Every answer must be one of the options shown in this attempt: its opaque id is
        derived from the attempt, the question and the option, so no read is needed. This
        also keeps a save under 1 KB (one write unit)."""
        bank = self._catalog.bank().by_id
        for question_id, option in answers.items():
            question = bank.get(question_id)
            shown = (
                ()
                if question is None
                else (
                    quiz.option_id(self._secret, attempt_id, question_id, i)
                    for i in range(len(question.options))
                )
            )
            if option not in shown:
                raise validation_error("answers", "có câu trả lời không thuộc lượt thi này")

    def _accepts_writes(self, attempt: AttemptRecord, snapshot: ContestSnapshot, now: int) -> bool:
        round_record = snapshot.round(attempt.round_id)
        if round_record.state != "scheduled":
            return False
        deadline = min(attempt.deadline_at, round_record.closes_at)
        return timing.within_grace(deadline, snapshot.rules["grace_seconds"], now)

    @staticmethod
    def _own_attempt(participant_id: str, attempt_id: str) -> tuple[str, str, int]:
        owner, round_id, number = parse_attempt_id(attempt_id)
        if owner != participant_id:
            raise ContestError("FORBIDDEN", 403)
        return owner, round_id, number

    def _attempt_view(self, attempt: AttemptRecord, snapshot: ContestSnapshot) -> dict:
        layout = quiz.parse_layout(attempt.layout)
        shown = self._catalog.bank().shown_questions(layout)
        return {
            "attempt_id": attempt.attempt_id,
            "round_id": attempt.round_id,
            "number": attempt.number,
            "started_at": timing.to_iso(attempt.started_at),
            "deadline_at": timing.to_iso(attempt.deadline_at),
            "server_time": timing.to_iso(self._clock.now_ms()),
            "grace_seconds": snapshot.rules["grace_seconds"],
            "questions": quiz.present_questions(
                layout, shown, secret=self._secret, attempt_id=attempt.attempt_id
            ),
            "prediction": {"question": snapshot.rules["prediction_question"]},
            "answers": attempt.answers,
            "prediction_value": attempt.prediction,
        }

    def _submitted_view(self, attempt: AttemptRecord, snapshot: ContestSnapshot) -> dict:
        """The receipt. Before the score may be shown, nothing in it depends on which
        answers were right: the same reply for a full score and for none."""
        view = {
            "attempt_id": attempt.attempt_id,
            "receipt": attempt.receipt,
            "submitted_at": timing.to_iso(attempt.submitted_at),
            "answered": answered(attempt),
            "total": attempt.total,
            "duration_ms": attempt.duration_ms,
            **visibility(attempt.round_id, snapshot),
        }
        if view["score_visible"]:
            view["correct"] = attempt.correct
        return view
