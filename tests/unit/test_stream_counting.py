"""The stream handler's counting, against the stats table (moto, built from infra/tables.json):
whatever the order, the repeats, the batches, the retries and bisections after a failure
anywhere (before a transaction, or after it committed and its answer was lost), the sharded
counters add up to a full recount of the submitted attempts."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import replace

import boto3
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.data.counters import StatsCounters
from chalicelib.data.models import StatsModel
from chalicelib.data.repository import Repository
from chalicelib.domain.counting import HOUR_MS, Submission, plan_batch
from chalicelib.domain.ranking import SubmittedAttempt, counters_from_attempts
from chalicelib.settings import get_settings
from chalicelib.stream import count_submissions
from infra.table_specs import create_tables

UNITS = ["u0", "u1", "u2", "u3"]
ROUNDS = ["r1", "r2"]


class LostAnswer(ConnectionError):
    """The network failed around a transaction."""


class FlakyConnection:
    """Fails some transactions: before sending (nothing written) or after DynamoDB committed
    (written, but the handler sees an error), as a timeout would."""

    def __init__(self, real, rng: random.Random, rate: float):
        self.real, self.rng, self.rate = real, rng, rate

    def dispatch(self, operation: str, request: dict) -> dict:
        if operation == "TransactWriteItems" and self.rng.random() < self.rate:
            if self.rng.random() < 0.5:
                raise LostAnswer("before")
            self.real.dispatch(operation, request)
            raise LostAnswer("after")
        return self.real.dispatch(operation, request)


class Handler:
    """What count_submissions needs of the repository."""

    def __init__(self, counters: StatsCounters):
        self.count_submissions_once = counters.count


def record(item: Submission) -> dict:
    image = {
        "status": {"S": "submitted"},
        "round_id": {"S": item.round_id},
        "unit_id": {"S": item.unit_id},
        "attempt_id": {"S": item.attempt_id},
        "participant_id": {"S": item.participant_id},
        "correct": {"N": str(item.correct)},
        "submitted_at": {"N": str(item.submitted_at)},
    }
    return {"dynamodb": {"OldImage": {**image, "status": {"S": "open"}}, "NewImage": image}}


def deliver(handler: Handler, batch: list[dict], rng: random.Random) -> None:
    """Lambda's event source mapping: a failed batch is retried, or bisected and each half
    retried, until it goes through (the failure rate leaves room for that)."""
    try:
        count_submissions(batch, handler)
    except LostAnswer:
        if len(batch) > 1 and rng.random() < 0.5:
            half = len(batch) // 2
            deliver(handler, batch[:half], rng)
            deliver(handler, batch[half:], rng)
        else:
            deliver(handler, batch, rng)


@st.composite
def submissions(draw: st.DrawFn) -> list[Submission]:
    people = draw(st.integers(1, 12))
    unit_of = {f"p{n}": draw(st.sampled_from(UNITS)) for n in range(people)}
    found = []
    for person, unit_id in unit_of.items():
        for round_id in draw(st.sets(st.sampled_from(ROUNDS))):
            for number in range(draw(st.integers(1, 3))):
                found.append(
                    Submission(
                        round_id,
                        unit_id,
                        f"{person}.{round_id}.{number}",
                        person,
                        draw(st.integers(0, 20)),
                        draw(st.integers(0, 3)) * HOUR_MS + draw(st.integers(0, HOUR_MS - 1)),
                    )
                )
    return found


def fresh_tables() -> None:
    StatsModel._connection = None  # PynamoDB caches its client: rebuild it inside moto
    create_tables(boto3.client("dynamodb", region_name="ap-southeast-1"), get_settings().table_prefix)


@settings(max_examples=30, deadline=None)
@given(
    submissions(),
    st.integers(1, 40),
    st.sampled_from([0.0, 0.3]),
    st.integers(1, 3),
    st.randoms(use_true_random=False),
)
def test_batches_in_any_order_with_repeats_retries_and_failures_equal_a_full_recount(
    attempts, batch_size, failure_rate, counter_shards, rng
) -> None:
    with mock_aws():
        fresh_tables()
        # GIVEN the stream delivering every submission in any order, some twice, in batches
        deliveries = attempts + [a for a in attempts if rng.random() < 0.3]
        rng.shuffle(deliveries)
        connection = Repository()._transaction_connection
        table = StatsModel.Meta.table_name
        shards = {"counter_shards": counter_shards, "person_shards": 3}
        handler = Handler(
            StatsCounters(
                connection=FlakyConnection(connection, rng, failure_rate), table_name=table, **shards
            )
        )
        # WHEN each batch goes through the handler, retried or bisected on failure
        for start in range(0, len(deliveries), batch_size):
            deliver(handler, [record(a) for a in deliveries[start : start + batch_size]], rng)
        # THEN every counter is the full recount's
        reader = StatsCounters(connection=connection, table_name=table, **shards)
        for round_id in ROUNDS:
            in_round = [as_submitted(a) for a in attempts if a.round_id == round_id]
            assert reader.round_counters(round_id, legacy=[]) == counters_from_attempts(in_round)
            hours = Counter(a.submitted_at // HOUR_MS for a in attempts if a.round_id == round_id)
            assert reader.attempts_per_hour(round_id, UNITS) == dict(hours)
            best: dict[str, int] = defaultdict(int)
            for a in in_round:
                best[a.participant_id] = max(best[a.participant_id], a.correct)
            assert reader.round_people(round_id) == {
                p: (next(a.unit_id for a in in_round if a.participant_id == p), b) for p, b in best.items()
            }
        people = {a.participant_id: a.unit_id for a in attempts}
        assert reader.contest_participants() == dict(Counter(people.values()))
        assert reader.contest_people() == people


def as_submitted(item: Submission) -> SubmittedAttempt:
    return SubmittedAttempt(
        attempt_id=item.attempt_id,
        participant_id=item.participant_id,
        unit_id=item.unit_id,
        correct=item.correct,
        total=20,
        prediction=None,
        duration_ms=0,
        submitted_at=item.submitted_at,
    )


class FailsOnce:
    """Fails the n-th transaction once, after DynamoDB committed it."""

    def __init__(self, real, n: int):
        self.real, self.left = real, n

    def dispatch(self, operation: str, request: dict) -> dict:
        answer = self.real.dispatch(operation, request)
        if operation == "TransactWriteItems":
            assert len(request["TransactItems"]) <= 100
            self.left -= 1
            if self.left == 0:
                raise LostAnswer("after the first transaction")
        return answer


def test_a_batch_of_more_people_than_a_transaction_holds_counts_once_through_a_failure() -> None:
    with mock_aws():
        fresh_tables()
        # GIVEN a batch of 150 people (two transactions), the first committing but failing
        batch = [Submission("r1", UNITS[n % 4], f"p{n}.r1.0", f"p{n}", n % 21, 0) for n in range(150)]
        connection = Repository()._transaction_connection
        shards = {"table_name": StatsModel.Meta.table_name, "counter_shards": 2, "person_shards": 3}
        flaky = Handler(StatsCounters(connection=FailsOnce(connection, 1), **shards))
        # WHEN the handler fails after the first transaction and the batch is retried
        try:
            count_submissions([record(s) for s in batch], flaky)
        except LostAnswer:
            outcome = count_submissions([record(s) for s in batch], flaky)
        # THEN the retry counts only what the first transaction had not, and the sums are exact
        reader = StatsCounters(connection=connection, **shards)
        assert 0 < outcome["counted"] < 150 and outcome["counted"] + outcome["repeated"] == 150
        recount = counters_from_attempts([as_submitted(s) for s in batch])
        assert reader.round_counters("r1", legacy=[]) == recount
        assert reader.contest_participants() == {u: 150 // 4 + (UNITS.index(u) < 150 % 4) for u in UNITS}


def test_a_batch_counts_each_new_attempt_once_and_reports_repeats() -> None:
    with mock_aws():
        fresh_tables()
        # GIVEN a batch with a submission twice
        repository = Repository()
        first = Submission("r1", "u0", "p1.r1.0", "p1", 7, 0)
        batch = [record(first), record(first), record(replace(first, attempt_id="p1.r1.1", correct=9))]
        # WHEN it is handled, then handled again (a retried batch)
        once = count_submissions(batch, repository)
        again = count_submissions(batch, repository)
        # THEN two are counted the first time, none the second
        assert (once["counted"], once["repeated"]) == (2, 1)
        assert (again["counted"], again["repeated"]) == (0, 3)
        counters = repository.round_counters("r1")
        assert counters.attempts == 2 and counters.participants == 1 and counters.best_scores == {9: 1}
        assert repository.contest_participants() == {"u0": 1}


def test_a_person_new_to_a_round_is_new_to_the_contest_only_once() -> None:
    # GIVEN p1 known from an earlier round, and p2 new, with attempts in two rounds in one batch
    batch = [
        Submission("r2", "u0", "p1.r2.0", "p1", 5, 0),
        Submission("r1", "u1", "p2.r1.0", "p2", 4, 0),
        Submission("r2", "u1", "p2.r2.0", "p2", 6, 0),
        Submission("r1", "u1", "p2.r1.1", "p2", 9, 0),
    ]
    # WHEN the batch is planned
    plans, repeated = plan_batch(batch, {}, known_in_contest={"p1"})
    # THEN each (round, person) has one plan, and only p2 joins the contest's people, once
    assert repeated == 0
    by_key = {(p.round_id, p.participant_id): p for p in plans}
    assert sorted(by_key) == [("r1", "p2"), ("r2", "p1"), ("r2", "p2")]
    assert by_key[("r1", "p2")].best == 9 and by_key[("r1", "p2")].added == ["p2.r1.0", "p2.r1.1"]
    assert [p.new_in_contest for p in plans].count(True) == 1
    joined = [dict(p.deltas.contest_people) for p in plans if p.new_in_contest]
    assert joined == [{"u1": 1}]
    assert dict(by_key[("r1", "p2")].deltas.best_scores) == {("r1", 4): 0, ("r1", 9): 1}
