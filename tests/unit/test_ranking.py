"""Ranking rules: individual order and prizes, collective ranking, leaderboard keys, lazy
top-of-round read and the snapshot hash."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.counting import CounterDeltas, PersonState, Submission, plan_batch
from chalicelib.domain.ranking import (
    DEFAULT_COLLECTIVE_CRITERIA,
    LevelQuery,
    RankedEntry,
    SubmittedAttempt,
    UnitCounters,
    UnitStats,
    attempt_board_key,
    board_key,
    board_shard,
    board_shards,
    canonical_ranking_json,
    collective_rules,
    counters_from_attempts,
    counters_without,
    iter_ranked,
    parse_board_key,
    parse_prize_tiers,
    rank_individuals,
    rank_units,
    ranking_key,
    ranking_sha256,
    submission_delta,
    top_individuals,
    unit_stats_from_counters,
)

CONTEST = json.loads((Path(__file__).parents[2] / "question_data" / "contest.json").read_text("utf-8"))
INDIVIDUAL_PRIZES = CONTEST["prizes"]["individual"]
COLLECTIVE_PRIZES = CONTEST["prizes"]["collective"]
UNITS = [unit["id"] for unit in CONTEST["units"]]
SMALL_PRIZES = [
    {"prize": "first", "name": "Giải Nhất", "count": 1, "amount": 100},
    {"prize": "consolation", "name": "Giải Khuyến khích", "count": 2, "amount": 10},
]


def attempt(
    attempt_id: str,
    participant_id: str | None = None,
    *,
    correct: int = 10,
    prediction: int | None = 100,
    duration_ms: int = 60_000,
    submitted_at: int = 1_640_000_000_000,
    unit_id: str = "bach-quang",
    total: int = 20,
) -> SubmittedAttempt:
    return SubmittedAttempt(
        attempt_id=attempt_id,
        participant_id=participant_id or f"p-{attempt_id}",
        unit_id=unit_id,
        correct=correct,
        total=total,
        prediction=prediction,
        duration_ms=duration_ms,
        submitted_at=submitted_at,
    )


def order_of(attempts: list[SubmittedAttempt], actual: int = 100) -> list[str]:
    return [entry.attempt_id for entry in rank_individuals(attempts, actual, prizes=INDIVIDUAL_PRIZES)]


def precedes(a: RankedEntry | SubmittedAttempt, b: RankedEntry | SubmittedAttempt, actual: int) -> bool:
    """The issue's rule written out as plain comparisons, independent of ``ranking_key``."""
    if a.correct != b.correct:
        return a.correct > b.correct
    error_a = None if a.prediction is None else abs(a.prediction - actual)
    error_b = None if b.prediction is None else abs(b.prediction - actual)
    if error_a != error_b:
        if error_a is None or error_b is None:
            return error_b is None
        return error_a < error_b
    if a.duration_ms != b.duration_ms:
        return a.duration_ms < b.duration_ms
    if a.submitted_at != b.submitted_at:
        return a.submitted_at < b.submitted_at
    return a.attempt_id < b.attempt_id


class FakeBoard:
    """The sharded leaderboard index as sorted lists; counts the items a reader hands out."""

    def __init__(self, attempts: list[SubmittedAttempt], round_id: str = "r1", shards: int = 4) -> None:
        self.shards = board_shards(round_id, shards)
        self.rows: dict[str, list[tuple[str, SubmittedAttempt]]] = defaultdict(list)
        for item in attempts:
            self.rows[board_shard(round_id, item.attempt_id, shards)].append((attempt_board_key(item), item))
        for rows in self.rows.values():
            rows.sort()
        self.touched = 0
        self.queries = 0

    def read(self, query: LevelQuery) -> Iterator[SubmittedAttempt]:
        low, high = query.key_range()
        self.queries += 1
        rows = [item for key, item in self.rows[query.shard] if low <= key <= high]
        for item in rows if query.ascending else reversed(rows):
            self.touched += 1
            yield item


# Small value ranges on purpose: ties on every criterion are then common.
@st.composite
def round_attempts(draw: st.DrawFn, max_size: int = 24) -> list[SubmittedAttempt]:
    size = draw(st.integers(0, max_size))
    ids = draw(
        st.lists(st.text("abcXY#9", min_size=1, max_size=4), min_size=size, max_size=size, unique=True)
    )
    people = draw(st.integers(1, max(1, size)))
    return [
        SubmittedAttempt(
            attempt_id=attempt_id,
            participant_id=f"p{draw(st.integers(0, people - 1))}",
            unit_id=draw(st.sampled_from(UNITS[:4])),
            correct=draw(st.integers(0, 3)),
            total=3,
            prediction=draw(st.none() | st.integers(0, 2 * size + 2)),
            duration_ms=draw(st.integers(0, 2)),
            submitted_at=draw(st.integers(0, 2)),
        )
        for attempt_id in ids
    ]


@st.composite
def ranked_round(draw: st.DrawFn) -> tuple[list[SubmittedAttempt], frozenset[str]]:
    attempts = draw(round_attempts())
    people = sorted({item.participant_id for item in attempts})
    excluded = draw(st.sets(st.sampled_from(people))) if people else set()
    return attempts, frozenset(excluded)


prize_tables = st.lists(
    st.fixed_dictionaries(
        {
            "prize": st.sampled_from(["first", "second", "third", "consolation"]),
            "count": st.integers(0, 4),
            "amount": st.integers(0, 1000),
        }
    ),
    max_size=4,
)


# ---------------------------------------------------------------- individual order, examples


def test_more_correct_answers_rank_first_whatever_the_other_criteria() -> None:
    # GIVEN one attempt with more correct answers but worse everything else
    better = attempt("b", correct=11, prediction=None, duration_ms=999_999, submitted_at=2_000_000_000_000)
    worse = attempt("a", correct=10, prediction=100, duration_ms=1)
    # WHEN / THEN
    assert order_of([worse, better]) == ["b", "a"]


def test_prediction_error_breaks_a_tie_in_correct_answers() -> None:
    close = attempt("b", prediction=103, duration_ms=90_000)
    far = attempt("a", prediction=90, duration_ms=10_000)
    assert order_of([far, close], actual=100) == ["b", "a"]


def test_prediction_error_counts_the_same_above_and_below_the_actual_count() -> None:
    # GIVEN errors of 5 on either side: the shorter duration decides
    above = attempt("a", prediction=105, duration_ms=50_000)
    below = attempt("b", prediction=95, duration_ms=40_000)
    assert order_of([above, below], actual=100) == ["b", "a"]


def test_missing_prediction_ranks_after_any_given_prediction() -> None:
    missing = attempt("a", prediction=None, duration_ms=1)
    wild = attempt("b", prediction=9_999_999_998, duration_ms=500_000)
    entries = rank_individuals([missing, wild], 100, prizes=INDIVIDUAL_PRIZES)
    assert [entry.attempt_id for entry in entries] == ["b", "a"]
    assert entries[1].prediction_error is None


def test_shorter_duration_breaks_a_tie_in_prediction_error() -> None:
    slow = attempt("a", duration_ms=61_000, submitted_at=1)
    fast = attempt("b", duration_ms=60_000, submitted_at=2)
    assert order_of([slow, fast]) == ["b", "a"]


def test_earlier_submission_breaks_a_tie_in_duration() -> None:
    late = attempt("a", submitted_at=1_640_000_000_001)
    early = attempt("b", submitted_at=1_640_000_000_000)
    assert order_of([late, early]) == ["b", "a"]


def test_attempt_id_breaks_a_tie_on_every_other_criterion() -> None:
    assert order_of([attempt("z"), attempt("m"), attempt("a")]) == ["a", "m", "z"]


def test_only_each_persons_best_attempt_is_ranked() -> None:
    # GIVEN a person with three attempts and another with one in between
    attempts = [
        attempt("p1-first", "p1", correct=12),
        attempt("p1-best", "p1", correct=15),
        attempt("p1-third", "p1", correct=15, duration_ms=70_000),
        attempt("p2-only", "p2", correct=14),
    ]
    # WHEN
    entries = rank_individuals(attempts, 4, prizes=INDIVIDUAL_PRIZES)
    # THEN
    assert [(e.rank, e.attempt_id) for e in entries] == [(1, "p1-best"), (2, "p2-only")]


def test_prizes_follow_the_contest_table_one_per_person() -> None:
    attempts = [attempt(f"a{i:02d}", correct=20 - i) for i in range(10)]
    entries = rank_individuals(attempts, 10, prizes=INDIVIDUAL_PRIZES)
    assert [(e.prize, e.amount) for e in entries] == [
        ("first", 1_000_000),
        ("second", 800_000),
        ("third", 500_000),
        *[("consolation", 300_000)] * 5,
        (None, 0),
        (None, 0),
    ]


def test_excluded_person_keeps_their_place_but_the_prize_goes_to_the_next() -> None:
    # GIVEN the best attempt belongs to an organizer's staff member
    attempts = [attempt("a", "staff", correct=20), attempt("b", "p2", correct=19), attempt("c", "p3")]
    # WHEN
    entries = rank_individuals(attempts, 3, {"staff"}, prizes=INDIVIDUAL_PRIZES)
    # THEN
    assert [(e.rank, e.participant_id, e.excluded, e.prize) for e in entries] == [
        (1, "staff", True, None),
        (2, "p2", False, "first"),
        (3, "p3", False, "second"),
    ]


def test_fewer_people_than_prizes_leaves_the_rest_unawarded() -> None:
    entries = rank_individuals([attempt("a"), attempt("b")], 2, prizes=INDIVIDUAL_PRIZES)
    assert [e.prize for e in entries] == ["first", "second"]


def test_an_empty_round_has_an_empty_ranking() -> None:
    assert rank_individuals([], 0, prizes=INDIVIDUAL_PRIZES) == []


def test_duplicate_attempt_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate attempt id"):
        rank_individuals([attempt("a", "p1"), attempt("a", "p2")], 2, prizes=INDIVIDUAL_PRIZES)


@pytest.mark.parametrize(
    "changes",
    [{"correct": 21}, {"prediction": -1}, {"duration_ms": -5}, {"attempt_id": ""}, {"correct": True}],
)
def test_malformed_attempts_are_refused(changes: dict) -> None:
    fields = {"attempt_id": "a", "participant_id": "p", "unit_id": "u", "correct": 1, "total": 20}
    fields |= {"prediction": 1, "duration_ms": 1, "submitted_at": 1} | changes
    with pytest.raises(ValueError):
        SubmittedAttempt(**fields)


def test_prize_table_with_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_prize_tiers([{"prize": "first", "count": -1, "amount": 1}])


# ---------------------------------------------------------------- individual order, properties


@settings(max_examples=60, deadline=None)
@given(ranked_round(), st.randoms(use_true_random=False))
def test_ranking_does_not_depend_on_input_order(data: tuple, rng: random.Random) -> None:
    attempts, excluded = data
    shuffled = attempts[:]
    rng.shuffle(shuffled)
    actual = len(attempts)
    first = rank_individuals(attempts, actual, excluded, prizes=INDIVIDUAL_PRIZES)
    assert rank_individuals(shuffled, actual, excluded, prizes=INDIVIDUAL_PRIZES) == first
    assert rank_individuals(attempts, actual, excluded, prizes=INDIVIDUAL_PRIZES) == first  # deterministic
    assert ranking_sha256(first) == ranking_sha256(
        rank_individuals(shuffled, actual, excluded, prizes=INDIVIDUAL_PRIZES)
    )


@settings(max_examples=60, deadline=None)
@given(round_attempts())
def test_ranking_is_a_total_order_with_ties_broken_as_the_rules_say(attempts: list) -> None:
    actual = len(attempts)
    entries = rank_individuals(attempts, actual, prizes=INDIVIDUAL_PRIZES)
    assert [e.rank for e in entries] == list(range(1, len(entries) + 1))
    for i, a in enumerate(entries):
        for b in entries[i + 1 :]:
            assert precedes(a, b, actual) and not precedes(b, a, actual)
    # each person's entry is their best attempt by the same rule
    chosen = {e.participant_id: e.attempt_id for e in entries}
    assert set(chosen) == {item.participant_id for item in attempts}
    by_id = {item.attempt_id: item for item in attempts}
    for item in attempts:
        best = by_id[chosen[item.participant_id]]
        assert best == item or precedes(best, item, actual)


@settings(max_examples=60, deadline=None)
@given(ranked_round(), prize_tables)
def test_excluded_never_win_and_each_person_wins_at_most_one_prize(data: tuple, table: list) -> None:
    attempts, excluded = data
    entries = rank_individuals(attempts, len(attempts), excluded, prizes=table)
    winners = [e for e in entries if e.prize is not None]
    assert not any(e.excluded for e in winners)
    assert all(e.excluded == (e.participant_id in excluded) for e in entries)
    assert len({e.participant_id for e in entries}) == len(entries)
    # per tier no more than configured, in table order, to the best eligible people
    configured = Counter()
    for tier in table:
        configured[tier["prize"]] += tier["count"]
    assert all(n <= configured[prize] for prize, n in Counter(e.prize for e in winners).items())
    slots = [(tier["prize"], tier["amount"]) for tier in table for _ in range(tier["count"])]
    eligible = [e for e in entries if not e.excluded]
    assert [(e.prize, e.amount) for e in winners] == slots[: len(eligible)]
    assert winners == eligible[: len(winners)]


# ---------------------------------------------------------------- collective ranking


def stats(unit_id: str, participations: int, average: Fraction | int = 0, prizes_won: int = 0) -> UnitStats:
    return UnitStats(unit_id, participations, min(participations, 5), Fraction(average), prizes_won)


def test_units_rank_by_participations_then_average_best_score_then_prizes_won() -> None:
    units = [
        stats("a", 10, 5, 9),
        stats("b", 12, 1, 0),
        stats("c", 10, 7, 0),
        stats("d", 10, 7, 1),
        stats("e", 10, 7, 1),
    ]
    ranked = rank_units(units, DEFAULT_COLLECTIVE_CRITERIA, COLLECTIVE_PRIZES)
    assert [(u.rank, u.unit_id, u.prize) for u in ranked] == [
        (1, "b", "first"),
        (2, "d", "second"),
        (3, "e", "third"),  # ties d on every criterion: the unit id decides
        (4, "c", "consolation"),
        (5, "a", "consolation"),
    ]
    assert ranked[0].amount == 2_000_000


def test_population_turns_counts_into_rates_per_thousand_inhabitants() -> None:
    units = [stats("big-ward", 100), stats("small-commune", 30)]
    populations = {"big-ward": 20_000, "small-commune": 3_000}
    without = rank_units(units, ["participations"], COLLECTIVE_PRIZES)
    with_rates = rank_units(units, ["participations"], COLLECTIVE_PRIZES, populations)
    assert [u.unit_id for u in without] == ["big-ward", "small-commune"]
    assert [(u.unit_id, u.values["participations"]) for u in with_rates] == [
        ("small-commune", 10.0),
        ("big-ward", 5.0),
    ]


def test_average_best_score_is_not_scaled_by_population() -> None:
    ranked = rank_units([stats("a", 1, Fraction(17, 2))], ["average_best_score"], [], {"a": 50})
    assert ranked[0].values == {"average_best_score": 8.5}


def test_a_unit_without_participations_gets_no_prize_and_uses_none_up() -> None:
    units = [stats("a", 0), stats("b", 3), stats("c", 0)]
    table = [{"prize": "first", "count": 1, "amount": 5}, {"prize": "second", "count": 2, "amount": 3}]
    ranked = rank_units(units, ["average_best_score"], table)
    assert [(u.unit_id, u.prize) for u in ranked] == [("a", None), ("b", "first"), ("c", None)]


def test_unknown_or_repeated_criteria_and_missing_populations_are_refused() -> None:
    with pytest.raises(ValueError):
        rank_units([stats("a", 1)], ["popularity"], COLLECTIVE_PRIZES)
    with pytest.raises(ValueError):
        rank_units([stats("a", 1)], ["participations", "participations"], COLLECTIVE_PRIZES)
    with pytest.raises(ValueError, match="population"):
        rank_units([stats("a", 1)], ["participations"], COLLECTIVE_PRIZES, {"b": 10})


def test_unit_stats_from_counters_average_over_person_rounds() -> None:
    # GIVEN p1 (unit x) best 8 in round 1 (of 5 and 8) and 6 in round 2; p2 (unit x) 10 in
    # round 1 only: unit x's person-rounds score 8, 6 and 10, so it averages 8
    round_1 = [
        attempt("1a", "p1", correct=5, unit_id="x"),
        attempt("1b", "p1", correct=8, unit_id="x"),
        attempt("1c", "p2", correct=10, unit_id="x"),
        attempt("1d", "p3", correct=20, unit_id="y"),
    ]
    round_2 = [attempt("2a", "p1", correct=6, unit_id="x")]
    winners = rank_individuals(round_1, 4, prizes=SMALL_PRIZES) + rank_individuals(
        round_2, 1, prizes=SMALL_PRIZES
    )
    counters = [counters_from_attempts(round_1), counters_from_attempts(round_2)]
    # WHEN
    got = unit_stats_from_counters(counters, {"x": 2, "y": 1}, winners, unit_ids=["z"])
    # THEN
    assert got == [
        UnitStats("x", participations=4, participants=2, average_best_score=Fraction(8), prizes_won=3),
        UnitStats("y", participations=1, participants=1, average_best_score=Fraction(20), prizes_won=1),
        UnitStats("z", participations=0, participants=0, average_best_score=Fraction(0), prizes_won=0),
    ]


def _apply(state: dict, item: SubmittedAttempt) -> None:
    """What the stream handler does for one record, on plain dicts: the pure delta plus the
    idempotency mark."""
    if item.attempt_id in state["seen"]:
        return
    state["seen"].add(item.attempt_id)
    delta = submission_delta(item.unit_id, item.correct, state["best"].get(item.participant_id))
    unit = state["units"].setdefault(item.unit_id, [0, 0, 0])
    unit[0] += 1
    unit[1] += int(delta.new_person)
    unit[2] += delta.best_sum_delta
    if delta.new_best is not None:
        state["best"][item.participant_id] = delta.new_best
        state["dist"][delta.new_best] = state["dist"].get(delta.new_best, 0) + 1
        if delta.old_best is not None:
            state["dist"][delta.old_best] -= 1


@settings(max_examples=100, deadline=None)
@given(round_attempts(), st.randoms(use_true_random=False))
def test_stream_increments_in_any_order_with_repeats_equal_a_full_recount(attempts, rng) -> None:
    # GIVEN each person in one unit (fixed at registration), and the stream delivering every
    # submitted attempt in any order, some of them twice
    attempts = [replace(a, unit_id=UNITS[int(a.participant_id[1:]) % 4]) for a in attempts]
    deliveries = attempts + [a for a in attempts if rng.random() < 0.3]
    rng.shuffle(deliveries)
    state: dict = {"seen": set(), "best": {}, "units": {}, "dist": {}}
    # WHEN each is applied as the handler does
    for item in deliveries:
        _apply(state, item)
    # THEN the counters are those of a full recount
    recount = counters_from_attempts(attempts)
    assert {u: UnitCounters(*v) for u, v in sorted(state["units"].items())} == recount.units
    assert {k: v for k, v in sorted(state["dist"].items()) if v} == recount.best_scores
    assert recount.attempts == len(attempts)
    assert recount.participants == len({a.participant_id for a in attempts})


# Issue 12: the stream handler counts a whole batch at once (domain.counting.plan_batch); the
# storage side of the same property is tests/unit/test_stream_counting.py.
def _apply_batch(state: dict, batch: list[SubmittedAttempt], rng) -> None:
    """Plan a batch against the stored people, then commit the plans one person at a time
    (each commit atomic, as a transaction is); a failure may stop it after any commit, and the
    event source mapping retries the batch or bisects it."""
    submissions = [Submission("r", a.unit_id, a.attempt_id, a.participant_id, a.correct, 0) for a in batch]
    plans, _ = plan_batch(
        submissions,
        {("r", s.participant_id): state["people"].get(s.participant_id) for s in submissions},
        set(),
    )
    fails_after = rng.randrange(len(plans) + 1) if rng.random() < 0.3 else None
    for done, plan in enumerate(plans):
        if done == fails_after:
            if len(batch) > 1 and rng.random() < 0.5:
                _apply_batch(state, batch[: len(batch) // 2], rng)
                _apply_batch(state, batch[len(batch) // 2 :], rng)
            else:
                _apply_batch(state, batch, rng)
            return
        counted = plan.previous.counted if plan.previous else frozenset()
        state["people"][plan.participant_id] = PersonState(plan.unit_id, plan.best, counted | set(plan.added))
        state["deltas"].add(plan.deltas)


@settings(max_examples=100, deadline=None)
@given(round_attempts(), st.integers(1, 30), st.randoms(use_true_random=False))
def test_stream_batches_with_repeats_retries_and_partial_failures_equal_a_full_recount(
    attempts, batch_size, rng
) -> None:
    # GIVEN each person in one unit, the stream delivering every submitted attempt in any
    # order, some twice, in batches
    attempts = [replace(a, unit_id=UNITS[int(a.participant_id[1:]) % 4]) for a in attempts]
    deliveries = attempts + [a for a in attempts if rng.random() < 0.3]
    rng.shuffle(deliveries)
    state: dict = {"people": {}, "deltas": CounterDeltas()}
    # WHEN each batch is planned and committed, failing part-way now and then
    for start in range(0, len(deliveries), batch_size):
        _apply_batch(state, deliveries[start : start + batch_size], rng)
    # THEN the counters are those of a full recount
    recount = counters_from_attempts(attempts)
    units = {
        u: UnitCounters(c["attempts"], c["people"], c["best_sum"])
        for (_, u), c in state["deltas"].units.items()
    }
    assert dict(sorted(units.items())) == recount.units
    assert {s: n for (_, s), n in sorted(state["deltas"].best_scores.items()) if n} == recount.best_scores
    people = Counter(a.unit_id for a in {a.participant_id: a for a in attempts}.values())
    assert {u: n for u, n in state["deltas"].contest_people.items() if n} == dict(people)


@settings(max_examples=100, deadline=None)
@given(round_attempts(), st.sets(st.integers(0, 24)))
def test_counters_without_some_people_equal_a_recount_of_the_others(attempts, removed_people) -> None:
    # GIVEN a round's attempts, each person in one unit, and some people to leave out
    attempts = [replace(a, unit_id=UNITS[int(a.participant_id[1:]) % 4]) for a in attempts]
    gone = {f"p{n}" for n in removed_people}
    left_out = [a for a in attempts if a.participant_id in gone]
    kept = [a for a in attempts if a.participant_id not in gone]
    # WHEN their counters are taken from the round's
    got = counters_without(counters_from_attempts(attempts), counters_from_attempts(left_out))
    # THEN what is left is the recount of everybody else
    assert got == counters_from_attempts(kept)


def test_counters_without_refuses_to_remove_what_was_never_counted() -> None:
    counted = counters_from_attempts([attempt("a", "p1", correct=3, unit_id="x")])
    stranger = counters_from_attempts([attempt("b", "p2", correct=3, unit_id="y")])
    more = counters_from_attempts(
        [attempt("c", "p1", correct=3, unit_id="x"), attempt("d", "p3", correct=3, unit_id="x")]
    )
    for removed in (stranger, more):
        with pytest.raises(ValueError):
            counters_without(counted, removed)


@st.composite
def unit_tables(draw: st.DrawFn) -> list[UnitStats]:
    chosen = draw(st.lists(st.sampled_from(UNITS), unique=True))
    return [
        stats(unit_id, draw(st.integers(0, 3)), Fraction(draw(st.integers(0, 6)), 2), draw(st.integers(0, 2)))
        for unit_id in chosen
    ]


@settings(max_examples=60, deadline=None)
@given(unit_tables(), prize_tables, st.randoms(use_true_random=False), st.booleans())
def test_unit_ranking_is_order_independent_and_respects_prize_counts(
    units: list, table: list, rng: random.Random, with_population: bool
) -> None:
    populations = {unit_id: 1000 + 37 * i for i, unit_id in enumerate(UNITS)} if with_population else None
    ranked = rank_units(units, DEFAULT_COLLECTIVE_CRITERIA, table, populations)
    shuffled = units[:]
    rng.shuffle(shuffled)
    assert rank_units(shuffled, DEFAULT_COLLECTIVE_CRITERIA, table, populations) == ranked
    assert [u.rank for u in ranked] == list(range(1, len(units) + 1))
    assert len({u.unit_id for u in ranked}) == len(ranked)
    assert all(u.prize is None for u in ranked if u.participations == 0)
    slots = [tier["prize"] for tier in table for _ in range(tier["count"])]
    assert [u.prize for u in ranked if u.prize is not None] == slots[
        : sum(u.participations > 0 for u in units)
    ]


# ---------------------------------------------------------------- leaderboard keys


def test_board_key_orders_by_correct_desc_then_prediction_asc_missing_last() -> None:
    keys = [
        board_key(20, None, 1, 1, "a"),
        board_key(19, 0, 1, 1, "b"),
        board_key(20, 7, 1, 1, "c"),
        board_key(20, 500, 1, 1, "d"),
    ]
    assert [parse_board_key(key).attempt_id for key in sorted(keys)] == ["c", "d", "a", "b"]
    assert board_key(20, 7, 42, 1_640_000_000_000, "a1") == "979#0000000007#0000000042#1640000000000#a1"


@settings(max_examples=100, deadline=None)
@given(round_attempts(max_size=12))
def test_board_keys_sort_like_correct_then_prediction_and_parse_back(attempts: list) -> None:
    def expected(item: SubmittedAttempt) -> tuple:
        missing = item.prediction is None
        return (
            -item.correct,
            missing,
            item.prediction or 0,
            item.duration_ms,
            item.submitted_at,
            item.attempt_id,
        )

    keys = {item.attempt_id: attempt_board_key(item) for item in attempts}
    assert sorted(attempts, key=lambda item: keys[item.attempt_id]) == sorted(attempts, key=expected)
    for item in attempts:
        parsed = parse_board_key(keys[item.attempt_id])
        assert (parsed.correct, parsed.prediction, parsed.attempt_id) == (
            item.correct,
            item.prediction,
            item.attempt_id,
        )


def test_board_shard_is_stable_and_spreads_attempts_over_every_shard() -> None:
    assert board_shard("r1", "attempt-1", 10) == board_shard("r1", "attempt-1", 10)
    used = Counter(board_shard("r1", f"attempt-{i}", 10) for i in range(2000))
    assert set(used) == set(board_shards("r1", 10))
    assert min(used.values()) > 120


def test_malformed_board_keys_are_refused() -> None:
    for key in ["", "979#7#1#1#a", "979#0000000007#0000000042#1640000000000#"]:
        with pytest.raises(ValueError):
            parse_board_key(key)


# ---------------------------------------------------------------- lazy top of the round


@settings(max_examples=60, deadline=None)
@given(round_attempts(), st.integers(1, 4), st.integers(0, 64))
def test_lazy_merge_gives_exactly_the_full_sort(attempts: list, shards: int, actual: int) -> None:
    board = FakeBoard(attempts, shards=shards)
    lazy = list(iter_ranked(board.read, shards=board.shards, actual=actual, max_correct=3))
    assert lazy == sorted(attempts, key=lambda item: ranking_key(item, actual))


@settings(max_examples=60, deadline=None)
@given(ranked_round(), st.integers(1, 4), prize_tables)
def test_lazy_top_gives_the_same_winners_as_the_full_ranking(data: tuple, shards: int, table: list) -> None:
    attempts, excluded = data
    actual = len(attempts)
    board = FakeBoard(attempts, shards=shards)
    ordered = iter_ranked(board.read, shards=board.shards, actual=actual, max_correct=3)
    top = top_individuals(ordered, actual, excluded, prizes=table)
    full = rank_individuals(attempts, actual, excluded, prizes=table)
    assert top == full[: len(top)]
    assert [e for e in top if e.prize] == [e for e in full if e.prize]
    if len([e for e in top if e.prize]) < sum(tier["count"] for tier in table):
        assert top == full  # prizes left over: the whole round had to be read
        return
    last_winner = max((e.rank for e in top if e.prize), default=0)
    # beyond the last winner: only people tied with them on everything but the attempt id
    for entry in top[last_winner:]:
        winner = top[last_winner - 1]
        assert (entry.correct, entry.prediction_error, entry.duration_ms, entry.submitted_at) == (
            winner.correct,
            winner.prediction_error,
            winner.duration_ms,
            winner.submitted_at,
        )


def test_lazy_top_lists_everyone_tied_with_the_last_winner() -> None:
    # GIVEN three people tied on every criterion for the last of three prizes
    attempts = [attempt("a0", correct=20), attempt("a1", correct=19)] + [
        attempt(f"t{i}", correct=18) for i in (2, 1, 3)
    ]
    attempts += [attempt(f"z{i}", correct=5) for i in range(50)]
    board = FakeBoard(attempts, shards=3)
    # WHEN
    ordered = iter_ranked(board.read, shards=board.shards, actual=55, max_correct=20)
    top = top_individuals(ordered, 55, prizes=SMALL_PRIZES)
    # THEN the smallest attempt id wins and the other two are shown; at 5 correct only the
    # first key of each shard is read, to see that the tie has ended
    assert [(e.attempt_id, e.prize) for e in top] == [
        ("a0", "first"),
        ("a1", "consolation"),
        ("t1", "consolation"),
        ("t2", None),
        ("t3", None),
    ]
    assert board.touched == 5 + len(board.shards)


def test_lazy_top_reads_a_small_part_of_a_large_round() -> None:
    # GIVEN 3,000 attempts of 1,200 people over 8 shards, scores skewed high like real rounds
    rng = random.Random(2021)
    attempts = [
        attempt(
            f"att-{i:05d}",
            f"p{rng.randrange(1200)}",
            correct=min(20, int(rng.triangular(0, 21, 18))),
            prediction=None if rng.random() < 0.05 else rng.randrange(1000, 5000),
            duration_ms=rng.randrange(60_000, 1_200_000),
            submitted_at=1_640_000_000_000 + rng.randrange(10**9),
        )
        for i in range(3000)
    ]
    board = FakeBoard(attempts, shards=8)
    # WHEN
    ordered = iter_ranked(board.read, shards=board.shards, actual=3000, max_correct=20)
    top = top_individuals(ordered, 3000, {"p1", "p2"}, prizes=INDIVIDUAL_PRIZES)
    # THEN the winners are those of the full ranking, read from well under a tenth of the index
    full = rank_individuals(attempts, 3000, {"p1", "p2"}, prizes=INDIVIDUAL_PRIZES)
    assert [e for e in top if e.prize] == [e for e in full if e.prize]
    assert len([e for e in top if e.prize]) == 8
    assert board.touched < len(attempts) / 10, (board.touched, board.queries)


def test_lazy_top_with_no_prizes_reads_nothing() -> None:
    board = FakeBoard([attempt("a")], shards=2)
    ordered = iter_ranked(board.read, shards=board.shards, actual=1, max_correct=20)
    assert top_individuals(ordered, 1, prizes=[]) == []
    assert board.touched == 0


def test_reader_returning_keys_out_of_order_is_refused() -> None:
    items = [attempt("b", correct=20, prediction=10), attempt("a", correct=20, prediction=10)]

    def wrong_reader(query: LevelQuery) -> list[SubmittedAttempt]:
        return items if query.ascending and query.correct == 20 else []

    with pytest.raises(ValueError, match="out of order"):
        list(iter_ranked(wrong_reader, shards=["r1#00"], actual=5, max_correct=20))


def test_reader_returning_another_level_is_refused() -> None:
    def wrong_reader(query: LevelQuery) -> list[SubmittedAttempt]:
        return [attempt("a", correct=3, prediction=10)] if query.ascending else []

    with pytest.raises(ValueError, match="outside"):
        list(iter_ranked(wrong_reader, shards=["r1#00"], actual=5, max_correct=20))


def test_level_query_ranges_split_a_level_at_the_actual_count() -> None:
    up = LevelQuery(shard="r1#00", correct=20, ascending=True, actual=7).key_range()
    down = LevelQuery(shard="r1#00", correct=20, ascending=False, actual=7).key_range()
    assert up[0] <= board_key(20, 7, 0, 0, "a") <= up[1]
    assert up[0] <= board_key(20, None, 0, 0, "a") <= up[1]
    assert down[0] <= board_key(20, 6, 9_999_999_999, 0, "a") <= down[1]
    assert not down[0] <= board_key(20, 7, 0, 0, "a") <= down[1]
    assert not up[0] <= board_key(19, 7, 0, 0, "a") <= up[1]


# ---------------------------------------------------------------- snapshot hash


def test_ranking_hash_is_sha256_of_the_canonical_json() -> None:
    entries = rank_individuals([attempt("a", "p1", prediction=None)], 1, prizes=SMALL_PRIZES)
    text = canonical_ranking_json(entries)
    assert text == (
        '[{"amount":100,"attempt_id":"a","correct":10,"duration_ms":60000,"excluded":false,'
        '"participant_id":"p1","prediction":null,"prediction_error":null,"prize":"first","rank":1,'
        '"submitted_at":1640000000000,"too_fast":false,"total":20,"unit_id":"bach-quang"}]'
    )
    assert ranking_sha256(entries) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_ranking_hash_changes_when_any_result_changes() -> None:
    attempts = [attempt("a", correct=12), attempt("b", correct=11)]
    before = ranking_sha256(rank_individuals(attempts, 2, prizes=SMALL_PRIZES))
    after = ranking_sha256(rank_individuals([attempts[0], attempt("b", correct=13)], 2, prizes=SMALL_PRIZES))
    assert before != after


def test_unit_ranking_has_a_hash_too() -> None:
    ranked = rank_units([stats("a", 3, Fraction(2, 3))], DEFAULT_COLLECTIVE_CRITERIA, COLLECTIVE_PRIZES)
    assert '"average_best_score":0.6667' in canonical_ranking_json(ranked)
    assert len(ranking_sha256(ranked)) == 64


def test_collective_rules_use_populations_only_when_every_unit_has_one() -> None:
    units = [{"id": "x", "population": 9000}, {"id": "y", "population": 3000}]
    assert collective_rules({"units": units}) == (
        ["participations", "average_best_score", "prizes_won"],
        {"x": 9000, "y": 3000},
    )
    partial = {"units": [units[0], {"id": "y"}], "collective_criteria": ["participants"]}
    assert collective_rules(partial) == (["participants"], None)
