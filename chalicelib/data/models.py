"""PynamoDB models. Table names, endpoint and timeouts come from settings.

Keys follow ``infra/tables.json``; see docs/design.md for why they spread the
deadline burst over many partitions.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.data.capacity import install_from_environment
from chalicelib.domain import quiz
from chalicelib.settings import get_settings

_SETTINGS = get_settings()
install_from_environment()  # DDB_CAPACITY_LOG: measurements only (benchmarks/attempt_cost.py)


def _meta(logical_name: str) -> type:
    class Meta:
        table_name = _SETTINGS.table_name(logical_name)
        region = _SETTINGS.region
        host = _SETTINGS.dynamodb_endpoint
        connect_timeout_seconds = _SETTINGS.dynamodb_connect_timeout
        read_timeout_seconds = _SETTINGS.dynamodb_read_timeout
        max_retry_attempts = _SETTINGS.dynamodb_max_retries

    return Meta


class ContestModel(Model):
    """The contest's static description (name, units, documents, rules, prizes)."""

    Meta = _meta("contest")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = JSONAttribute()
    updated_at = NumberAttribute(default=0)


class RoundModel(Model):
    """One weekly round; times are epoch ms, ``state`` is the lifecycle step reached."""

    Meta = _meta("contest")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    round_id = UnicodeAttribute()
    name = UnicodeAttribute()
    opens_at = NumberAttribute()
    closes_at = NumberAttribute()
    publish_at = NumberAttribute()
    state = UnicodeAttribute(default="scheduled")
    actual_prediction_value = NumberAttribute(null=True)
    closed_at = NumberAttribute(null=True)
    ranked_at = NumberAttribute(null=True)
    published_at = NumberAttribute(null=True)
    updated_at = NumberAttribute(default=0)


class ExclusionsModel(Model):
    """National IDs that may not register and never win (organizers, writers, tech staff),
    and the participant ids of released registrations, whose attempts never win."""

    Meta = _meta("contest")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    national_ids = UnicodeSetAttribute(default=set)
    released_ids = UnicodeSetAttribute(null=True)
    reasons = MapAttribute(null=True)  # {national_id: why it is on the list}
    organizer_ids = MapAttribute(null=True)  # {national_id: username}: organizers' own CCCDs
    updated_at = NumberAttribute(default=0)


class DisqualificationModel(Model):
    """A person disqualified from one round by the committee, before publication."""

    Meta = _meta("contest")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "DISQ#<round_id>#<participant_id>"
    round_id = UnicodeAttribute()
    participant_id = UnicodeAttribute()
    national_id_masked = UnicodeAttribute()
    reason = UnicodeAttribute()
    actor = UnicodeAttribute()
    at = NumberAttribute()


class ResultsModel(Model):
    """The immutable published snapshot of a round."""

    Meta = _meta("contest")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = JSONAttribute()
    sha256 = UnicodeAttribute()
    published_at = NumberAttribute()


class QuestionModel(Model):
    """One version of a question, never changed once written (question bank: versions).
    Version 1 of a seeded question is at its id; later versions and questions made by
    organizers at "<id>#v<n>#<token>". Which version is current is the manifest's word."""

    Meta = _meta("questions")
    contest_id = UnicodeAttribute(hash_key=True)
    question_id = UnicodeAttribute(range_key=True)
    document_id = UnicodeAttribute()
    text = UnicodeAttribute()
    options = JSONAttribute()  # [{"text": str, "correct": bool}] in source order
    source = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)
    # question bank: versions, kinds, exclusion groups (absent on items of the first bank)
    kind = UnicodeAttribute(null=True)
    exclusion_group = UnicodeAttribute(null=True)
    related_document_ids = JSONAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)


class BankManifestModel(Model):
    """The bank's one switch (question bank: versions): for every question its state and the
    keys of its versions, in order. Organizers' changes write new version items first and
    then this item, conditioned on its revision, so a reader never sees half an import."""

    Meta = _meta("questions")
    contest_id = UnicodeAttribute(hash_key=True)
    question_id = UnicodeAttribute(range_key=True)  # "!bank": sorts before every question id
    revision = NumberAttribute(default=0)
    entries = JSONAttribute(default=dict)  # {question_id: {"state": str, "keys": [item key, ...]}}
    updated_at = NumberAttribute(default=0)
    updated_by = UnicodeAttribute(default="")


class ParticipantsByUnitIndex(GlobalSecondaryIndex):
    """Registrations of a unit (participation: who registered with no roster entry). Keys,
    generation and state only: about 100 bytes an item, so a ward's list is a few reads."""

    class Meta:
        index_name = "by_unit"
        projection = IncludeProjection(["generation", "state"])

    unit_id = UnicodeAttribute(hash_key=True)


class ParticipantModel(Model):
    Meta = _meta("participants")
    participant_id = UnicodeAttribute(hash_key=True)
    national_id = UnicodeAttribute()
    full_name = UnicodeAttribute()
    date_of_birth = UnicodeAttribute()
    gender = UnicodeAttribute()
    phone = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    workplace = UnicodeAttribute(default="")
    consent_at = NumberAttribute()
    created_at = NumberAttribute()
    # A registration released by an organizer (someone else took this CCCD) is archived and
    # the real person registers again as the next generation, with attempts of their own.
    generation = NumberAttribute(default=0)
    state = UnicodeAttribute(default="active")  # "active" | "released"
    signin_failures = NumberAttribute(null=True)
    signin_locked_until = NumberAttribute(null=True)
    # Set on the archived copy of a released registration ("<id>#released#<generation>").
    released_reason = UnicodeAttribute(null=True)
    released_by = UnicodeAttribute(null=True)
    released_at = NumberAttribute(null=True)
    by_unit = ParticipantsByUnitIndex()


class OpenAttemptsIndex(GlobalSecondaryIndex):
    """Open attempts of a round by deadline, sharded: what closing a round must submit."""

    class Meta:
        index_name = "open_by_deadline"
        projection = KeysOnlyProjection()

    open_shard = UnicodeAttribute(hash_key=True)
    deadline_at = NumberAttribute(range_key=True)


class LeaderboardIndex(GlobalSecondaryIndex):
    """Submitted attempts of a round in ranking-key order, sharded (see domain.ranking)."""

    class Meta:
        index_name = "leaderboard"
        projection = IncludeProjection(
            [
                "attempt_id",
                "round_id",
                "unit_id",
                "correct",
                "total",
                "prediction",
                "duration_ms",
                "submitted_at",
                "answered",
            ]
        )

    board_shard = UnicodeAttribute(hash_key=True)
    board_key = UnicodeAttribute(range_key=True)


class AttemptModel(Model):
    """One timed attempt. Sparse index keys are present only while they matter:
    ``open_shard`` while open (for closing), ``board_*`` once submitted (for top-k)."""

    Meta = _meta("attempts")
    participant_id = UnicodeAttribute(hash_key=True)
    attempt_key = UnicodeAttribute(range_key=True)  # "<round_id>#<n>"
    attempt_id = UnicodeAttribute()
    round_id = UnicodeAttribute()
    number = NumberAttribute()
    unit_id = UnicodeAttribute()
    status = UnicodeAttribute()  # "open" | "submitted"
    started_at = NumberAttribute()
    deadline_at = NumberAttribute()
    shown = UnicodeAttribute(null=True)  # the layout, packed (domain.quiz.pack_layout)
    picks = UnicodeAttribute(null=True)  # once submitted: the answers, packed (quiz.pack_picks)
    # Items written before the packed attributes: [[question_id, [source indexes], version], ...]
    # and {question_id: option_id} (also an open attempt without a save item saves here).
    layout = JSONAttribute(null=True)
    answers = JSONAttribute(null=True)
    prediction = NumberAttribute(null=True)
    saved_at = NumberAttribute(null=True)
    submitted_at = NumberAttribute(null=True)
    submitted_by = UnicodeAttribute(null=True)  # "participant" | "close"
    duration_ms = NumberAttribute(null=True)
    correct = NumberAttribute(null=True)
    total = NumberAttribute(null=True)
    answered = NumberAttribute(null=True)
    receipt = UnicodeAttribute(null=True)
    open_shard = UnicodeAttribute(null=True)
    board_shard = UnicodeAttribute(null=True)
    board_key = UnicodeAttribute(null=True)
    open_attempts = OpenAttemptsIndex()
    leaderboard = LeaderboardIndex()

    def shown_layout(self) -> quiz.Layout:
        """The layout shown: packed, or as written before packing."""
        return (
            quiz.unpack_layout(self.shown) if self.shown is not None else quiz.parse_layout(self.layout or [])
        )


class AttemptSaveModel(Model):
    """What an open attempt last saved, in a small item of its own beside the attempt (under
    1 KB: one write unit a save; the layout stays on the attempt). Key: ``<participant_id>#save``
    and the attempt's key, so no query of a person's attempts and no index meets it; ``state``
    is never "submitted", so the stream handler ignores it."""

    Meta = _meta("attempts")
    participant_id = UnicodeAttribute(hash_key=True)  # "<participant_id>#save"
    attempt_key = UnicodeAttribute(range_key=True)  # "<round_id>#<n>"
    deadline_at = NumberAttribute()
    state = UnicodeAttribute(default="open")  # "open" | "closed" (set before the submit)
    answers = JSONAttribute(default=dict)
    prediction = NumberAttribute(null=True)
    saved_at = NumberAttribute(null=True)


class StatsModel(Model):
    """The stats table's items of the earlier layout, still read: per round (``pk`` = round id)
    or for the whole contest (``pk`` = ``CONTEST``), ``UNIT#u`` totals, ``PERSON#p`` bests,
    ``BEST#nnn`` distribution, ``SEEN#attempt`` marks (expiring). The stream handler now writes
    sharded items with per-unit attribute names no model declares: chalicelib/data/counters.py."""

    Meta = _meta("stats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    attempts = NumberAttribute(default=0)
    participants = NumberAttribute(default=0)
    best_sum = NumberAttribute(default=0)
    people = NumberAttribute(default=0)
    best = NumberAttribute(null=True)
    unit_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class LimitModel(Model):
    """Shared state of the limits (every Lambda sees it): counters per client and window,
    used challenge solutions, phone codes, registration pointers. ``expires_at`` (epoch
    seconds) lets DynamoDB's TTL remove them; the code never trusts an expired item."""

    Meta = _meta("limits")
    pk = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    value = UnicodeAttribute(null=True)
    tries = NumberAttribute(null=True)
    valid_until = NumberAttribute(null=True)  # epoch ms
    expires_at = NumberAttribute(null=True)


class OrganizerModel(Model):
    """A personal organizer account. ``version`` is in every session token: changing the
    password, disabling the account or logging out raises it, which ends every session."""

    Meta = _meta("organizers")
    username = UnicodeAttribute(hash_key=True)
    full_name = UnicodeAttribute()
    role = UnicodeAttribute()
    unit_id = UnicodeAttribute(null=True)
    national_id = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    disabled = BooleanAttribute(default=False)
    version = NumberAttribute(default=1)
    failures = NumberAttribute(null=True)
    locked_until = NumberAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = NumberAttribute()
    updated_by = UnicodeAttribute()
    updated_at = NumberAttribute()


class AuditModel(Model):
    Meta = _meta("audit")
    contest_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "<at ms 13 digits>#<random>"
    at = NumberAttribute()
    actor = UnicodeAttribute()
    role = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    target = UnicodeAttribute(default="")
    details = JSONAttribute(default=dict)


# --- participation (issue 11): rosters of organizations ---------------------------------------


class RosterModel(Model):
    """Rosters (staff lists) of the organizations of a unit, in one table (docs/participation.md):
    ``UNIT#<unit>`` / ``ROSTER#<roster>`` the roster itself, ``UNIT#<unit>`` /
    ``ENTRY#<roster>#<person_key>`` its people, ``PERSON#<person_key>`` / ``MEMBER`` the roster a
    person is on (one roster per person). ``person_key`` is the keyed hash of the CCCD."""

    Meta = _meta("rosters")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(null=True)
    people = NumberAttribute(null=True)
    updated_at = NumberAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    full_name = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    last4 = UnicodeAttribute(null=True)
    row = NumberAttribute(null=True)
    unit_id = UnicodeAttribute(null=True)
    roster_id = UnicodeAttribute(null=True)
