"""The contest's storage: the only module that issues DynamoDB calls.

Every write that must not happen twice is a single conditional write; a failed
condition comes back as ``False`` (or ``None``) so that the caller decides what it means.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.data.counters import StatsCounters
from chalicelib.data.models import (
    AttemptModel,
    AttemptSaveModel,
    AuditModel,
    ContestModel,
    DisqualificationModel,
    ExclusionsModel,
    LimitModel,
    OrganizerModel,
    ParticipantModel,
    ResultsModel,
    RoundModel,
    StatsModel,
)
from chalicelib.domain import quiz
from chalicelib.domain.counting import Submission
from chalicelib.domain.ranking import (
    LevelQuery,
    RoundCounters,
    SubmittedAttempt,
)
from chalicelib.domain.tokens import generation_id, split_generation
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.organizers.policy import Actor

CONTEST_SK = "CONTEST"
DISQUALIFIED_PREFIX = "DISQ#"
EXCLUSIONS_SK = "EXCLUSIONS"
ROUND_PREFIX = "ROUND#"
RESULTS_PREFIX = "RESULTS#"
RANKING_PREFIX = "RANKING#"
UNIT_PREFIX = "UNIT#"
BEST_PREFIX = "BEST#"
HOUR_PREFIX = "HOUR#"
CONTEST_STATS = "CONTEST"


def _generation_sk(prefix: str, round_id: str, closed_at: int) -> str:
    return f"{prefix}{round_id}#{closed_at:013d}"


def _condition_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def _transaction_condition_failed(error: TransactWriteError) -> bool:
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


@dataclass(frozen=True)
class RoundRecord:
    round_id: str
    name: str
    opens_at: int
    closes_at: int
    publish_at: int
    state: str = "scheduled"
    actual_prediction_value: int | None = None
    closed_at: int | None = None
    ranked_at: int | None = None
    published_at: int | None = None


@dataclass(frozen=True)
class OrganizerRecord:
    username: str
    full_name: str
    role: str
    unit_id: str | None
    national_id: str | None
    password_hash: str
    disabled: bool
    version: int
    failures: int | None
    locked_until: int | None
    created_by: str
    created_at: int
    updated_by: str
    updated_at: int


@dataclass(frozen=True)
class ExclusionEntry:
    national_id: str
    reason: str
    organizer: str | None  # set for an organizer's own CCCD (automatic, not removable)


@dataclass(frozen=True)
class DisqualificationRecord:
    round_id: str
    participant_id: str
    national_id_masked: str
    reason: str
    actor: str
    at: int


@dataclass(frozen=True)
class ParticipantRecord:
    participant_id: str
    national_id: str
    full_name: str
    date_of_birth: str
    gender: str
    phone: str
    unit_id: str
    workplace: str
    consent_at: int
    created_at: int
    generation: int = 0
    state: str = "active"
    signin_failures: int | None = None
    signin_locked_until: int | None = None

    @property
    def member_id(self) -> str:
        """The id this generation's attempts, tokens and rankings use."""
        return generation_id(self.participant_id, self.generation)


@dataclass
class AttemptRecord:
    participant_id: str
    round_id: str
    number: int
    unit_id: str
    status: str
    started_at: int
    deadline_at: int
    layout: list
    answers: dict = field(default_factory=dict)
    prediction: int | None = None
    saved_at: int | None = None
    submitted_at: int | None = None
    submitted_by: str | None = None
    duration_ms: int | None = None
    correct: int | None = None
    total: int | None = None
    answered: int | None = None
    receipt: str | None = None

    @property
    def attempt_key(self) -> str:
        return attempt_key(self.round_id, self.number)

    @property
    def attempt_id(self) -> str:
        return f"{self.participant_id}.{self.round_id}.{self.number}"


def attempt_key(round_id: str, number: int) -> str:
    return f"{round_id}#{number}"


def attempt_model(record: AttemptRecord, secret: str, **index_keys: str) -> AttemptModel:
    """The stored item of an attempt; ``index_keys`` put it in a sparse index (``open_shard``,
    or ``board_shard`` and ``board_key``). Unset fields stay absent from the item; the layout
    and any answers are packed (option ids are derived from ``secret``, the token secret)."""
    values = {f.name: getattr(record, f.name) for f in fields(AttemptRecord)}
    values = {name: value for name, value in values.items() if value is not None}
    for name in ("participant_id", "layout", "answers"):
        del values[name]
    layout = quiz.parse_layout(record.layout)
    if record.answers:
        values["picks"] = quiz.pack_picks(layout, record.answers, secret=secret, attempt_id=record.attempt_id)
    return AttemptModel(
        record.participant_id,
        record.attempt_key,
        attempt_id=record.attempt_id,
        shown=quiz.pack_layout(layout),
        **values,
        **index_keys,
    )


SAVE_SUFFIX = "#save"


def _save_model(participant_id: str, key: str) -> AttemptSaveModel:
    return AttemptSaveModel(participant_id + SAVE_SUFFIX, key)


def _with_save(record: AttemptRecord, save: AttemptSaveModel | None) -> AttemptRecord:
    """An open attempt with what it last saved: the save item, unless the attempt item holds
    a later save (attempts started before the save items existed save onto themselves)."""
    if save is None or save.saved_at is None or (record.saved_at or 0) > save.saved_at:
        return record
    return replace(
        record, answers=dict(save.answers or {}), prediction=save.prediction, saved_at=save.saved_at
    )


def _record(record_type: type, model: Any) -> Any:
    """A plain record from a model: same field names, numbers already ints (PynamoDB
    decodes whole numbers as int)."""
    return record_type(
        **{f.name: getattr(model, f.name) for f in fields(record_type) if hasattr(model, f.name)}
    )


def _round_from_model(model: RoundModel) -> RoundRecord:
    return _record(RoundRecord, model)


def _attempt_from_model(model: AttemptModel, secret: str) -> AttemptRecord:
    """The attempt with its layout and answers unpacked (or as written before packing)."""
    layout = model.shown_layout()
    if model.picks is not None:
        answers = quiz.answers_from_picks(layout, model.picks, secret=secret, attempt_id=model.attempt_id)
    else:
        answers = dict(model.answers or {})
    return replace(_record(AttemptRecord, model), layout=layout, answers=answers)


def _submitted_from_model(item: AttemptModel) -> SubmittedAttempt:
    return SubmittedAttempt(
        attempt_id=item.attempt_id,
        participant_id=item.participant_id,
        unit_id=item.unit_id,
        correct=int(item.correct),
        total=int(item.total),
        prediction=item.prediction,
        duration_ms=int(item.duration_ms),
        submitted_at=int(item.submitted_at),
        answered=None if item.answered is None else int(item.answered),
    )


def _participant_from_model(model: ParticipantModel) -> ParticipantRecord:
    return _record(ParticipantRecord, model)


def _participant_fields(record: ParticipantRecord) -> dict:
    values = {f.name: getattr(record, f.name) for f in fields(ParticipantRecord)}
    return {k: v for k, v in values.items() if k != "participant_id" and v is not None}


def _participant_model(record: ParticipantRecord) -> ParticipantModel:
    return ParticipantModel(record.participant_id, **_participant_fields(record))


class Repository:
    """DynamoDB access for one deployment (table names come from the models' settings).
    ``secret`` (the token secret, from settings when not given) packs and unpacks an
    attempt's answers, which are opaque option ids derived from it."""

    def __init__(self, secret: str | None = None) -> None:
        self._secret = get_settings().token_secret if secret is None else secret

    # --- contest, rounds, exclusions -------------------------------------------------

    def get_contest(self, contest_id: str) -> dict | None:
        try:
            return ContestModel.get(contest_id, CONTEST_SK).body
        except ContestModel.DoesNotExist:
            return None

    def put_contest_if_absent(self, contest_id: str, body: dict, now_ms: int) -> bool:
        item = ContestModel(contest_id, CONTEST_SK, body=body, updated_at=now_ms)
        return self._put_if_absent(item, ContestModel.pk)

    def list_rounds(self, contest_id: str) -> list[RoundRecord]:
        rounds = RoundModel.query(contest_id, RoundModel.sk.startswith(ROUND_PREFIX))
        return sorted((_round_from_model(r) for r in rounds), key=lambda r: (r.opens_at, r.round_id))

    def get_round(self, contest_id: str, round_id: str) -> RoundRecord | None:
        try:
            return _round_from_model(
                RoundModel.get(contest_id, ROUND_PREFIX + round_id, consistent_read=True)
            )
        except RoundModel.DoesNotExist:
            return None

    def put_round_if_absent(self, contest_id: str, record: RoundRecord, now_ms: int) -> bool:
        item = RoundModel(
            contest_id,
            ROUND_PREFIX + record.round_id,
            round_id=record.round_id,
            name=record.name,
            opens_at=record.opens_at,
            closes_at=record.closes_at,
            publish_at=record.publish_at,
            state=record.state,
            updated_at=now_ms,
        )
        return self._put_if_absent(item, RoundModel.pk)

    def update_round_times(
        self, contest_id: str, round_id: str, opens_at: int, closes_at: int, publish_at: int, now_ms: int
    ) -> bool:
        """Move a round; refused (False) once it has been closed, so results never shift."""
        item = RoundModel(contest_id, ROUND_PREFIX + round_id)
        return self._update_if(
            item,
            actions=[
                RoundModel.opens_at.set(opens_at),
                RoundModel.closes_at.set(closes_at),
                RoundModel.publish_at.set(publish_at),
                RoundModel.updated_at.set(now_ms),
            ],
            condition=RoundModel.pk.exists() & (RoundModel.state == "scheduled"),
        )

    def reopen_empty_round(
        self, contest_id: str, round_id: str, opens_at: int, closes_at: int, publish_at: int, now_ms: int
    ) -> bool:
        """Reschedule a round that closed with no submitted attempt at all (nothing was
        ranked, nobody's result changes): back to ``scheduled`` with new times. Its empty
        ranking and results stay under the old closing time, unseen. False when the round
        has attempts."""
        item = RoundModel(contest_id, ROUND_PREFIX + round_id)
        return self._update_if(
            item,
            actions=[
                RoundModel.state.set("scheduled"),
                RoundModel.opens_at.set(opens_at),
                RoundModel.closes_at.set(closes_at),
                RoundModel.publish_at.set(publish_at),
                RoundModel.updated_at.set(now_ms),
                RoundModel.actual_prediction_value.remove(),
                RoundModel.closed_at.remove(),
                RoundModel.ranked_at.remove(),
                RoundModel.published_at.remove(),
            ],
            condition=(RoundModel.actual_prediction_value == 0) & (RoundModel.state != "scheduled"),
        )

    def get_exclusions(self, contest_id: str) -> set[str]:
        return self.get_ineligible(contest_id)[0]

    def get_ineligible(self, contest_id: str) -> tuple[set[str], set[str]]:
        """(excluded national ids, participant ids of released registrations): one read."""
        try:
            item = ExclusionsModel.get(contest_id, EXCLUSIONS_SK)
        except ExclusionsModel.DoesNotExist:
            return set(), set()
        organizers = set((item.organizer_ids or {}).as_dict()) if item.organizer_ids else set()
        return set(item.national_ids or ()) | organizers, set(item.released_ids or ())

    def set_exclusions(self, contest_id: str, national_ids: Iterable[str], now_ms: int) -> None:
        """Replace the exclusion list only (the released ids beside it stay)."""
        wanted = set(national_ids)
        ExclusionsModel(contest_id, EXCLUSIONS_SK).update(
            actions=[
                ExclusionsModel.national_ids.set(wanted) if wanted else ExclusionsModel.national_ids.remove(),
                ExclusionsModel.updated_at.set(now_ms),
            ]
        )

    def list_exclusions(self, contest_id: str) -> list[ExclusionEntry]:
        try:
            item = ExclusionsModel.get(contest_id, EXCLUSIONS_SK, consistent_read=True)
        except ExclusionsModel.DoesNotExist:
            return []
        reasons = item.reasons.as_dict() if item.reasons else {}
        organizers = item.organizer_ids.as_dict() if item.organizer_ids else {}
        entries = [ExclusionEntry(n, str(reasons.get(n, "")), None) for n in item.national_ids or ()]
        entries += [ExclusionEntry(n, "", str(u)) for n, u in organizers.items()]
        return sorted(entries, key=lambda e: (e.organizer is None, e.national_id))

    def add_exclusion(self, contest_id: str, national_id: str, reason: str, now_ms: int) -> None:
        ExclusionsModel(contest_id, EXCLUSIONS_SK).update(
            actions=[
                ExclusionsModel.national_ids.add({national_id}),
                ExclusionsModel.reasons[national_id].set(reason)
                if self._has_map(contest_id, "reasons")
                else ExclusionsModel.reasons.set({national_id: reason}),
                ExclusionsModel.updated_at.set(now_ms),
            ]
        )

    def remove_exclusion(self, contest_id: str, national_id: str, now_ms: int) -> bool:
        """False when the CCCD was not on the list."""
        actions = [ExclusionsModel.national_ids.delete({national_id}), ExclusionsModel.updated_at.set(now_ms)]
        if self._has_map(contest_id, "reasons"):
            actions.append(ExclusionsModel.reasons[national_id].remove())
        return self._update_if(
            ExclusionsModel(contest_id, EXCLUSIONS_SK),
            actions=actions,
            condition=ExclusionsModel.national_ids.contains(national_id),
        )

    def set_organizer_exclusion(
        self, contest_id: str, national_id: str, username: str | None, now_ms: int
    ) -> None:
        """An organizer's CCCD is excluded for as long as the account holds it."""
        has_map = self._has_map(contest_id, "organizer_ids")
        if username is None:
            if has_map:
                ExclusionsModel(contest_id, EXCLUSIONS_SK).update(
                    actions=[ExclusionsModel.organizer_ids[national_id].remove()]
                )
            return
        action = (
            ExclusionsModel.organizer_ids[national_id].set(username)
            if has_map
            else ExclusionsModel.organizer_ids.set({national_id: username})
        )
        ExclusionsModel(contest_id, EXCLUSIONS_SK).update(
            actions=[action, ExclusionsModel.updated_at.set(now_ms)]
        )

    @staticmethod
    def _has_map(contest_id: str, name: str) -> bool:
        """DynamoDB sets a map's key only inside an existing map: whether it exists yet."""
        try:
            item = ExclusionsModel.get(contest_id, EXCLUSIONS_SK, consistent_read=True)
        except ExclusionsModel.DoesNotExist:
            return False
        return getattr(item, name) is not None

    # --- organizers ---------------------------------------------------------------------

    def get_organizer(self, username: str) -> OrganizerRecord | None:
        try:
            return _record(OrganizerRecord, OrganizerModel.get(username, consistent_read=True))
        except OrganizerModel.DoesNotExist:
            return None

    def list_organizers(self) -> list[OrganizerRecord]:
        """A scan: the table holds a few dozen accounts, read by an admin's screen only."""
        return sorted((_record(OrganizerRecord, o) for o in OrganizerModel.scan()), key=lambda o: o.username)

    def create_organizer(self, record: OrganizerRecord) -> bool:
        values = {f.name: getattr(record, f.name) for f in fields(OrganizerRecord) if f.name != "username"}
        item = OrganizerModel(record.username, **{k: v for k, v in values.items() if v is not None})
        return self._put_if_absent(item, OrganizerModel.username)

    def update_organizer(self, username: str, changes: dict, expected_version: int) -> bool:
        """Apply ``changes`` (field → value, None removes) if nobody changed the account since
        it was read at ``expected_version``."""
        actions = [
            getattr(OrganizerModel, name).remove()
            if value is None
            else getattr(OrganizerModel, name).set(value)
            for name, value in changes.items()
        ]
        return self._update_if(
            OrganizerModel(username), actions=actions, condition=OrganizerModel.version == expected_version
        )

    def record_login_failure(self, username: str, max_failures: int, lock_until_ms: int) -> bool:
        """Count a wrong password; at ``max_failures`` lock the account. True when locked now."""
        item = OrganizerModel(username)
        if not self._update_if(
            item, actions=[OrganizerModel.failures.add(1)], condition=OrganizerModel.username.exists()
        ):
            return False
        if int(item.failures or 0) < max_failures:
            return False
        return self._update_if(
            item,
            actions=[OrganizerModel.failures.set(0), OrganizerModel.locked_until.set(lock_until_ms)],
            condition=OrganizerModel.failures >= max_failures,
        )

    # --- disqualifications ------------------------------------------------------------

    def put_disqualification(self, contest_id: str, record: DisqualificationRecord) -> None:
        DisqualificationModel(
            contest_id,
            f"{DISQUALIFIED_PREFIX}{record.round_id}#{record.participant_id}",
            round_id=record.round_id,
            participant_id=record.participant_id,
            national_id_masked=record.national_id_masked,
            reason=record.reason,
            actor=record.actor,
            at=record.at,
        ).save()

    def delete_disqualification(self, contest_id: str, round_id: str, participant_id: str) -> bool:
        """False when there was none."""
        try:
            DisqualificationModel(contest_id, f"{DISQUALIFIED_PREFIX}{round_id}#{participant_id}").delete(
                condition=DisqualificationModel.pk.exists()
            )
        except DeleteError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def list_disqualifications(
        self, contest_id: str, round_id: str | None = None
    ) -> list[DisqualificationRecord]:
        """One round's disqualifications, or every round's (one Query either way)."""
        prefix = DISQUALIFIED_PREFIX + (f"{round_id}#" if round_id else "")
        found = DisqualificationModel.query(
            contest_id, DisqualificationModel.sk.startswith(prefix), consistent_read=True
        )
        return sorted((_record(DisqualificationRecord, d) for d in found), key=lambda d: d.participant_id)

    # --- questions: chalicelib/data/bank_store.py (versions and the bank's manifest) --------

    # --- participants -----------------------------------------------------------------

    def create_participant(self, record: ParticipantRecord) -> ParticipantRecord | None:
        """One conditional write; None when this CCCD (hence this id) is registered already.
        A released registration is replaced by the next generation (rare: read, then write
        conditioned on what was read). Returns what was stored."""
        if self._put_if_absent(_participant_model(record), ParticipantModel.participant_id):
            return record
        previous = self.get_registration(record.participant_id)
        if previous is None or previous.state != "released":
            return None
        successor = replace(record, generation=previous.generation + 1)
        try:
            _participant_model(successor).save(
                condition=(ParticipantModel.state == "released")
                & (ParticipantModel.generation == previous.generation)
            )
        except PutError as error:
            if _condition_failed(error):
                return None
            raise
        return successor

    def get_registration(self, registration_id: str) -> ParticipantRecord | None:
        """The registration stored for a CCCD's key, whatever its generation or state."""
        try:
            return _participant_from_model(ParticipantModel.get(registration_id))
        except ParticipantModel.DoesNotExist:
            return None

    def get_participant(self, participant_id: str) -> ParticipantRecord | None:
        """The active registration this participant id belongs to; None once it was released
        (its old tokens then stop working) or when the id is another generation's."""
        registration_id, generation = split_generation(participant_id)
        found = self.get_registration(registration_id)
        if found is None or found.state != "active" or found.generation != generation:
            return None
        return found

    def release_registration(
        self, record: ParticipantRecord, *, reason: str, actor: str, contest_id: str, now_ms: int
    ) -> bool:
        """Archive a registration and mark it released, and put its participant id on the
        contest's list of released ids (its attempts never win), in one transaction. False
        when it changed meanwhile (released already, or a new generation)."""
        try:
            with TransactWrite(connection=self._transaction_connection) as transaction:
                transaction.save(
                    ParticipantModel(
                        f"{record.participant_id}#released#{record.generation}",
                        **{**_participant_fields(record), "state": "archived"},
                        released_reason=reason,
                        released_by=actor,
                        released_at=now_ms,
                    )
                )
                transaction.update(
                    ParticipantModel(record.participant_id),
                    actions=[ParticipantModel.state.set("released")],
                    condition=(ParticipantModel.state == "active")
                    & (ParticipantModel.generation == record.generation),
                )
                transaction.update(
                    ExclusionsModel(contest_id, EXCLUSIONS_SK),
                    actions=[
                        ExclusionsModel.released_ids.add({record.member_id}),
                        ExclusionsModel.updated_at.set(now_ms),
                    ],
                )
        except TransactWriteError as error:
            if _transaction_condition_failed(error):
                return False
            raise
        return True

    def record_signin_failure(self, registration_id: str, max_failures: int, lock_until_ms: int) -> bool:
        """Count a wrong phone for a registration; at ``max_failures`` lock it until
        ``lock_until_ms`` and start counting again. True when this failure locked it."""
        item = ParticipantModel(registration_id)
        if not self._update_if(
            item,
            actions=[ParticipantModel.signin_failures.add(1)],
            condition=ParticipantModel.participant_id.exists(),
        ):
            return False
        if int(item.signin_failures or 0) < max_failures:
            return False
        return self._update_if(
            item,
            actions=[
                ParticipantModel.signin_failures.set(0),
                ParticipantModel.signin_locked_until.set(lock_until_ms),
            ],
            condition=ParticipantModel.signin_failures >= max_failures,
        )

    def clear_signin_failures(self, registration_id: str) -> None:
        ParticipantModel(registration_id).update(actions=[ParticipantModel.signin_failures.remove()])

    # --- attempts -----------------------------------------------------------------------

    def list_attempts(self, participant_id: str, round_id: str | None = None) -> list[AttemptRecord]:
        condition = AttemptModel.attempt_key.startswith(f"{round_id}#") if round_id else None
        found = AttemptModel.query(participant_id, condition, consistent_read=True)
        records = self._with_saves([_attempt_from_model(a, self._secret) for a in found])
        return sorted(records, key=lambda a: (a.round_id, a.number))

    def submitted_attempts_by_round(
        self, participant_ids: Iterable[str]
    ) -> dict[str, list[SubmittedAttempt]]:
        """Every submitted attempt of these people, by round: one Query a person (a few
        items each), meant for the short exclusion list, never for the crowd."""
        by_round: dict[str, list[SubmittedAttempt]] = defaultdict(list)
        for participant_id in sorted(participant_ids):
            for item in AttemptModel.query(
                participant_id, filter_condition=AttemptModel.status == "submitted", consistent_read=True
            ):
                by_round[item.round_id].append(_submitted_from_model(item))
        return dict(by_round)

    def get_attempt(
        self,
        participant_id: str,
        round_id: str,
        number: int,
        *,
        with_save: bool = True,
        consistent: bool = True,
    ) -> AttemptRecord | None:
        """The attempt; while open, with its last save (one more GetItem) unless ``with_save``
        is False (a submit that carries the whole state). ``consistent=False`` reads half a
        unit and may miss an attempt created a moment ago (callers read again consistently)."""
        try:
            model = AttemptModel.get(
                participant_id, attempt_key(round_id, number), consistent_read=consistent
            )
        except AttemptModel.DoesNotExist:
            return None
        record = _attempt_from_model(model, self._secret)
        return self._with_saves([record])[0] if with_save else record

    def get_attempts(self, keys: Iterable[tuple[str, str, int]]) -> list[AttemptRecord]:
        """Attempts by (participant_id, round_id, number), read consistently 100 at a time."""
        wanted = [
            (participant_id, attempt_key(round_id, number)) for participant_id, round_id, number in keys
        ]
        return self._with_saves(
            [
                _attempt_from_model(item, self._secret)
                for item in AttemptModel.batch_get(wanted, consistent_read=True)
            ]
        )

    @staticmethod
    def _with_saves(records: list[AttemptRecord]) -> list[AttemptRecord]:
        """Open attempts get their last save (read consistently, 100 at a time); others as
        they are."""
        open_keys = [(r.participant_id + SAVE_SUFFIX, r.attempt_key) for r in records if r.status == "open"]
        if not open_keys:
            return records
        saves = {
            (item.participant_id[: -len(SAVE_SUFFIX)], item.attempt_key): item
            for item in AttemptSaveModel.batch_get(open_keys, consistent_read=True)
        }
        return [
            _with_save(r, saves.get((r.participant_id, r.attempt_key))) if r.status == "open" else r
            for r in records
        ]

    def create_attempt(self, record: AttemptRecord, open_shard: str) -> bool:
        """One conditional write; False when attempt number ``n`` already exists (a
        concurrent start won), which is what keeps the per-round limit exact."""
        item = attempt_model(record, self._secret, open_shard=open_shard)
        return self._put_if_absent(item, AttemptModel.participant_id)

    def save_answers(
        self,
        participant_id: str,
        round_id: str,
        number: int,
        answers: dict,
        prediction: int | None,
        now_ms: int,
        grace_ms: int,
    ) -> bool:
        """Replace the saved answers while the save item is open and its deadline plus grace
        has not passed: one conditional UpdateItem (1 write unit, no read). False otherwise,
        and when the attempt has no save item yet (``create_save`` makes it)."""
        return self._update_if(
            _save_model(participant_id, attempt_key(round_id, number)),
            actions=[
                AttemptSaveModel.answers.set(answers),
                AttemptSaveModel.prediction.set(prediction)
                if prediction is not None
                else AttemptSaveModel.prediction.remove(),
                AttemptSaveModel.saved_at.set(now_ms),
            ],
            condition=(AttemptSaveModel.state == "open")
            & (AttemptSaveModel.deadline_at >= now_ms - grace_ms),
        )

    def create_save(self, attempt: AttemptRecord, answers: dict, prediction: int | None, now_ms: int) -> bool:
        """An open attempt's first save: its save item (under 1 KB), with the deadline that later
        saves are checked against. One conditional PutItem; False when the item exists (an
        earlier save, or closed by the submit). The caller has checked the attempt is open."""
        item = _save_model(attempt.participant_id, attempt.attempt_key)
        item.deadline_at = attempt.deadline_at
        item.state = "open"
        item.answers = answers
        item.prediction = prediction
        item.saved_at = now_ms
        return self._put_if_absent(item, AttemptSaveModel.participant_id)

    def submit_attempt(self, record: AttemptRecord, board_shard: str, board_key: str) -> bool:
        """Record the result once: the write succeeds only while the attempt is open. The
        save item is closed first (made closed when there was no save), so no save is taken
        once the result may be recorded."""
        _save_model(record.participant_id, record.attempt_key).update(
            actions=[
                AttemptSaveModel.state.set("closed"),
                AttemptSaveModel.deadline_at.set(record.deadline_at),
            ]
        )
        item = AttemptModel(record.participant_id, record.attempt_key)
        actions = [
            AttemptModel.status.set("submitted"),
            AttemptModel.picks.set(
                quiz.pack_picks(
                    quiz.parse_layout(record.layout),
                    record.answers,
                    secret=self._secret,
                    attempt_id=record.attempt_id,
                )
            ),
            AttemptModel.answers.remove(),  # attempts before save items saved onto themselves
            AttemptModel.submitted_at.set(record.submitted_at),
            AttemptModel.submitted_by.set(record.submitted_by),
            AttemptModel.duration_ms.set(record.duration_ms),
            AttemptModel.correct.set(record.correct),
            AttemptModel.total.set(record.total),
            AttemptModel.answered.set(record.answered),
            AttemptModel.receipt.set(record.receipt),
            AttemptModel.open_shard.remove(),
            AttemptModel.board_shard.set(board_shard),
            AttemptModel.board_key.set(board_key),
        ]
        if record.prediction is not None:
            actions.append(AttemptModel.prediction.set(record.prediction))
        return self._update_if(item, actions=actions, condition=AttemptModel.status == "open")

    # --- limits -------------------------------------------------------------------------

    def hit(self, key: str, expires_at_s: int) -> int:
        """Count one more event under ``key`` (a client and window, a phone); the new count.
        One UpdateItem: concurrent Lambdas add up exactly."""
        item = LimitModel(key)
        item.update(actions=[LimitModel.count.add(1), LimitModel.expires_at.set(expires_at_s)])
        return int(item.count)

    def count(self, key: str) -> int:
        found = self._limit_item(key)
        return 0 if found is None else int(found.count)

    def claim_once(self, key: str, expires_at_s: int) -> bool:
        """Mark ``key`` used; False when it was already (a replayed challenge solution)."""
        return self._put_if_absent(LimitModel(key, expires_at=expires_at_s), LimitModel.pk)

    def put_value(self, key: str, value: str, expires_at_s: int) -> None:
        LimitModel(key, value=value, expires_at=expires_at_s).save()

    def get_values(self, keys: Iterable[str]) -> dict[str, str]:
        """Values stored under these keys (absent ones left out); counts are read with it."""
        wanted = sorted(set(keys))
        return {item.pk: item.value for item in LimitModel.batch_get(wanted) if item.value is not None}

    def get_counts(self, keys: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(keys))
        return {item.pk: int(item.count) for item in LimitModel.batch_get(wanted)}

    def start_code(self, key: str, code_hash: str, valid_until_ms: int, expires_at_s: int) -> None:
        """A new one-time code replaces the previous one, with its tries reset."""
        LimitModel(key, value=code_hash, tries=0, valid_until=valid_until_ms, expires_at=expires_at_s).save()

    def get_code(self, key: str) -> tuple[str, int, int] | None:
        """(code hash, tries used, valid until ms) of the current code, or None."""
        found = self._limit_item(key)
        if found is None or found.value is None:
            return None
        return found.value, int(found.tries or 0), int(found.valid_until or 0)

    def use_code_try(self, key: str, code_hash: str, max_tries: int) -> bool:
        """Spend one try on this code (conditioned on the code still being the same and a
        try being left); False when none is left or the code changed."""
        return self._update_if(
            LimitModel(key),
            actions=[LimitModel.tries.add(1)],
            condition=(LimitModel.value == code_hash) & (LimitModel.tries < max_tries),
        )

    def spend_code(self, key: str, code_hash: str) -> bool:
        """Use a correct code up (once); False when someone else used it first."""
        return self._update_if(
            LimitModel(key),
            actions=[LimitModel.value.remove(), LimitModel.valid_until.remove()],
            condition=LimitModel.value == code_hash,
        )

    @staticmethod
    def _limit_item(key: str) -> LimitModel | None:
        try:
            return LimitModel.get(key, consistent_read=True)
        except LimitModel.DoesNotExist:
            return None

    # --- audit --------------------------------------------------------------------------

    def record_action(
        self, contest_id: str, now_ms: int, actor: Actor, action: str, target: str, details: dict
    ) -> None:
        """An organizer's action in the audit log, under their name and role."""
        self.record_audit(contest_id, now_ms, actor.username, action, target, details, role=actor.role)

    def record_audit(
        self,
        contest_id: str,
        now_ms: int,
        actor: str,
        action: str,
        target: str,
        details: dict,
        role: str | None = None,
    ) -> None:
        AuditModel(
            contest_id,
            f"{now_ms:013d}#{secrets.token_hex(4)}",
            at=now_ms,
            actor=actor,
            role=role,
            action=action,
            target=target,
            details=details,
        ).save()

    def list_audit(
        self,
        contest_id: str,
        limit: int = 100,
        *,
        actor: str | None = None,
        action: str | None = None,
        before: str | None = None,
        since_ms: int | None = None,
    ) -> tuple[list[dict], str | None]:
        """Newest first, filtered; ``before`` is the cursor a previous page returned.
        Returns the page and the next cursor (None on the last page)."""
        condition = AuditModel.event_key < before if before else None
        filters = [AuditModel.at >= since_ms] if since_ms is not None else []
        if actor:
            filters.append(AuditModel.actor == actor)
        if action:
            filters.append(AuditModel.action.startswith(action))
        combined = None
        for each in filters:
            combined = each if combined is None else combined & each
        found = list(
            AuditModel.query(
                contest_id, condition, filter_condition=combined, scan_index_forward=False, limit=limit + 1
            )
        )
        page = [
            {
                "at": int(e.at),
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "target": e.target,
                "details": e.details,
                "_key": e.event_key,
            }
            for e in found[:limit]
        ]
        next_cursor = page[-1]["_key"] if len(found) > limit else None
        for event in page:
            del event["_key"]
        return page, next_cursor

    # --- results ------------------------------------------------------------------------

    # A round's ranking and results are keyed by the time it was closed: a round reopened
    # (it had no attempt) and closed again gets new ones, and nothing a job still running on
    # the earlier closing writes can be mistaken for them.

    def get_results(self, contest_id: str, round_id: str, closed_at: int) -> dict | None:
        return self._get_snapshot(contest_id, _generation_sk(RESULTS_PREFIX, round_id, closed_at))

    def put_ranking(
        self, contest_id: str, round_id: str, closed_at: int, body: dict, sha256: str, now_ms: int
    ) -> bool:
        """Store a round's computed ranking once; a second ranking run keeps the first."""
        return self._put_snapshot(
            contest_id, _generation_sk(RANKING_PREFIX, round_id, closed_at), body, sha256, now_ms
        )

    def replace_ranking(
        self, contest_id: str, round_id: str, closed_at: int, body: dict, sha256: str, now_ms: int
    ) -> bool:
        """Store a ranking computed again (after a disqualification) only while the round is
        still ``ranked``: once published, its ranking never changes. False otherwise."""
        item = ResultsModel(
            contest_id,
            _generation_sk(RANKING_PREFIX, round_id, closed_at),
            body=body,
            sha256=sha256,
            published_at=now_ms,
        )
        try:
            with TransactWrite(connection=self._transaction_connection) as transaction:
                transaction.condition_check(
                    RoundModel, contest_id, ROUND_PREFIX + round_id, condition=RoundModel.state == "ranked"
                )
                transaction.save(item)
        except TransactWriteError as error:
            if _transaction_condition_failed(error):
                return False
            raise
        return True

    def get_ranking(self, contest_id: str, round_id: str, closed_at: int) -> dict | None:
        return self._get_snapshot(contest_id, _generation_sk(RANKING_PREFIX, round_id, closed_at))

    def put_results(
        self, contest_id: str, round_id: str, closed_at: int, body: dict, sha256: str, now_ms: int
    ) -> bool:
        """Publish once: the snapshot is immutable, a repeated publication changes nothing."""
        return self._put_snapshot(
            contest_id, _generation_sk(RESULTS_PREFIX, round_id, closed_at), body, sha256, now_ms
        )

    def _get_snapshot(self, contest_id: str, sk: str) -> dict | None:
        try:
            return ResultsModel.get(contest_id, sk, consistent_read=True).body
        except ResultsModel.DoesNotExist:
            return None

    def _put_snapshot(self, contest_id: str, sk: str, body: dict, sha256: str, now_ms: int) -> bool:
        item = ResultsModel(contest_id, sk, body=body, sha256=sha256, published_at=now_ms)
        return self._put_if_absent(item, ResultsModel.pk)

    def advance_round_state(
        self, contest_id: str, round_id: str, expected: str, new: str, now_ms: int, **extra: int
    ) -> bool:
        """Move the lifecycle one step; False when another run already moved it."""
        item = RoundModel(contest_id, ROUND_PREFIX + round_id)
        actions = [RoundModel.state.set(new), RoundModel.updated_at.set(now_ms)]
        actions += [getattr(RoundModel, name).set(value) for name, value in extra.items()]
        return self._update_if(item, actions=actions, condition=RoundModel.state == expected)

    # --- closing and ranking ------------------------------------------------------------

    def open_attempt_keys(self, shards: Iterable[str]) -> list[tuple[str, str, int]]:
        """(participant_id, round_id, number) of a round's open attempts, from the sparse index."""
        found = []
        for shard in shards:
            for item in AttemptModel.open_attempts.query(shard):
                round_id, number = item.attempt_key.split("#")
                found.append((item.participant_id, round_id, int(number)))
        return found

    def count_submitted(self, shards: Iterable[str]) -> int:
        """Exact count of a round's submitted attempts (COUNT over the small index items)."""
        return sum(AttemptModel.leaderboard.count(shard) for shard in shards)

    def read_board(self, query: LevelQuery, page_size: int = 25) -> Iterable[SubmittedAttempt]:
        """One side of one correct level of one shard, lazily, in index order. Small pages:
        the winners come from the first few items of each shard."""
        low, high = query.key_range()
        items = AttemptModel.leaderboard.query(
            query.shard,
            AttemptModel.board_key.between(low, high),
            scan_index_forward=query.ascending,
            page_size=page_size,
        )
        return (_submitted_from_model(item) for item in items)

    def read_whole_board(self, shards: Iterable[str]) -> Iterable[SubmittedAttempt]:
        for shard in shards:
            for item in AttemptModel.leaderboard.query(shard):  # 1 MB pages
                yield _submitted_from_model(item)

    def get_participants(self, participant_ids: Iterable[str]) -> dict[str, ParticipantRecord]:
        """Registrations by participant id (the generation that took these attempts)."""
        keys = sorted({split_generation(pid)[0] for pid in participant_ids})
        found = (_participant_from_model(p) for p in ParticipantModel.batch_get(keys))
        return {p.member_id: p for p in found}

    # --- live statistics (kept by the stream handler) ----------------------------------------

    # Issue 12 (counters without a hot partition): counting per stream batch and the sums over
    # the sharded counters live in chalicelib/data/counters.py.

    def count_submissions_once(self, submissions: Sequence[Submission]) -> tuple[int, int]:
        """Count a stream batch's newly submitted attempts exactly once: (counted now, repeated)."""
        return self._counters.count(submissions)

    def round_counters(self, round_id: str) -> RoundCounters:
        legacy = [
            item
            for prefix in (BEST_PREFIX, UNIT_PREFIX)
            for item in StatsModel.query(round_id, StatsModel.sk.startswith(prefix), consistent_read=True)
        ]
        return self._counters.round_counters(round_id, legacy)

    def attempts_per_hour(self, round_id: str, unit_ids: Iterable[str]) -> dict[int, int]:
        """{epoch hour: submitted attempts} of these units (the stream's hourly counters)."""
        wanted = set(unit_ids)
        hours: dict[int, int] = defaultdict(int, self._counters.attempts_per_hour(round_id, wanted))
        for item in StatsModel.query(round_id, StatsModel.sk.startswith(HOUR_PREFIX), consistent_read=True):
            unit_id, _, hour = item.sk[len(HOUR_PREFIX) :].rpartition("#")
            if unit_id in wanted and hour.isdigit():
                hours[int(hour)] += int(item.attempts)
        return dict(hours)

    def contest_participants(self) -> dict[str, int]:
        """Distinct people per unit over the whole contest."""
        people: dict[str, int] = defaultdict(int, self._counters.contest_participants())
        for item in StatsModel.query(
            CONTEST_STATS, StatsModel.sk.startswith(UNIT_PREFIX), consistent_read=True
        ):
            people[item.sk[len(UNIT_PREFIX) :]] += int(item.participants)
        return dict(people)

    def round_people(self, round_id: str) -> dict[str, tuple[str, int]]:
        """{participant: (unit, best score)} of everyone counted in the round."""
        return self._counters.round_people(round_id)

    def contest_people(self) -> dict[str, str]:
        """{participant: unit} of everyone counted in any round."""
        return self._counters.contest_people()

    @cached_property
    def _counters(self) -> StatsCounters:
        settings = get_settings()
        return StatsCounters(
            connection=self._transaction_connection,
            table_name=StatsModel.Meta.table_name,
            counter_shards=settings.stats_counter_shards,
            person_shards=settings.stats_person_shards,
        )

    @cached_property
    def _transaction_connection(self) -> Connection:
        """One connection (one botocore client) for this repository's transactions, built on
        first use like the models' own."""
        meta = StatsModel.Meta
        return Connection(
            region=meta.region,
            host=meta.host,
            connect_timeout_seconds=meta.connect_timeout_seconds,
            read_timeout_seconds=meta.read_timeout_seconds,
            max_retry_attempts=meta.max_retry_attempts,
        )

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _update_if(item: Any, actions: list, condition: Any) -> bool:
        """One conditional UpdateItem; False when the condition does not hold."""
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    @staticmethod
    def _put_if_absent(item: Any, hash_attribute: Any) -> bool:
        try:
            item.save(condition=hash_attribute.does_not_exist())
        except PutError as error:
            if _condition_failed(error):
                return False
            raise
        return True
