"""Ranking rules: who wins each round, which units win the contest, and the sort keys that
let the top of a round be read from a sharded index instead of scanning every attempt.

Everything here is pure (no DynamoDB, no HTTP, no clock), so the published results can be
recomputed from the stored attempts by anyone and checked against ``ranking_sha256``.

Individual order, best first (a total order, so the result never depends on read order):
more ``correct``; smaller ``|prediction - actual|`` (a missing prediction is worse than any
given one); shorter ``duration_ms``; earlier ``submitted_at``; smaller ``attempt_id``.
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from chalicelib.domain.integrity import too_fast

MAX_CORRECT = 999
MAX_PREDICTION = 9_999_999_998  # one below the board key's "no prediction" sentinel
MAX_DURATION_MS = 9_999_999_999
MAX_EPOCH_MS = 9_999_999_999_999
MAX_SHARDS = 100
_NO_PREDICTION = 9_999_999_999
_KEY_END = "~"  # sorts after every digit and "#", closes a key range

COUNT_CRITERIA = frozenset({"participations", "participants", "prizes_won"})
COLLECTIVE_CRITERIA = frozenset(COUNT_CRITERIA | {"average_best_score"})
DEFAULT_COLLECTIVE_CRITERIA = ("participations", "average_best_score", "prizes_won")
DISPLAY_DECIMALS = 4


# ---------------------------------------------------------------------------- attempts


@dataclass(frozen=True)
class SubmittedAttempt:
    """One submitted attempt as the ranking sees it; instants and durations in epoch ms."""

    attempt_id: str
    participant_id: str
    unit_id: str
    correct: int
    total: int
    prediction: int | None
    duration_ms: int
    submitted_at: int
    answered: int | None = None  # questions answered; None for attempts stored before it

    def __post_init__(self) -> None:
        # Checked here so that every attempt the full ranking accepts also has a board key.
        for name in ("attempt_id", "participant_id", "unit_id"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty string")
        _check_int("total", self.total, 0, MAX_CORRECT)
        _check_int("correct", self.correct, 0, self.total)
        if self.prediction is not None:
            _check_int("prediction", self.prediction, 0, MAX_PREDICTION)
        _check_int("duration_ms", self.duration_ms, 0, MAX_DURATION_MS)
        _check_int("submitted_at", self.submitted_at, 0, MAX_EPOCH_MS)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")


def prediction_error(prediction: int | None, actual: int) -> int | None:
    """``|prediction - actual|``, or None when no prediction was given."""
    return None if prediction is None else abs(prediction - actual)


def ranking_key(attempt: SubmittedAttempt, actual: int) -> tuple[int, bool, int, int, int, str]:
    """Sort key of the individual order (smaller is better); unique per attempt id."""
    error = prediction_error(attempt.prediction, actual)
    return (
        -attempt.correct,
        error is None,
        0 if error is None else error,
        attempt.duration_ms,
        attempt.submitted_at,
        attempt.attempt_id,
    )


def _visible_key(attempt: SubmittedAttempt, actual: int) -> tuple[int, bool, int, int, int]:
    """The ranking key without the attempt id: attempts equal here are a real tie that only
    the id breaks, which the published ranking should show in full at the prize boundary."""
    return ranking_key(attempt, actual)[:5]


# ---------------------------------------------------------------------------- prizes


@dataclass(frozen=True)
class PrizeTier:
    """One line of the contest's prize table, e.g. 5 × "consolation" of 300,000 VND."""

    prize: str
    name: str
    count: int
    amount: int


def parse_prize_tiers(raw: Iterable[Mapping[str, Any] | PrizeTier]) -> tuple[PrizeTier, ...]:
    """The prize table from contest data (``prizes["individual"]`` or ``["collective"]``),
    checked so that a typo in the JSON fails loudly instead of silently awarding nothing."""
    tiers = []
    for item in raw:
        if isinstance(item, PrizeTier):
            tier = item
        else:
            tier = PrizeTier(
                prize=item["prize"],
                name=item.get("name", item["prize"]),
                count=item["count"],
                amount=item.get("amount", 0),
            )
        if not isinstance(tier.prize, str) or not tier.prize:
            raise ValueError("prize code must be a non-empty string")
        _check_int("count", tier.count, 0, 10**6)
        _check_int("amount", tier.amount, 0, 10**15)
        tiers.append(tier)
    return tuple(tiers)


def _prize_slots(prizes: Iterable[Mapping[str, Any] | PrizeTier]) -> list[PrizeTier]:
    """One element per prize to give, best first: 1 first, 1 second, 1 third, 5 consolation."""
    return [tier for tier in parse_prize_tiers(prizes) for _ in range(tier.count)]


# ---------------------------------------------------------------------------- individuals


@dataclass(frozen=True)
class RankedEntry:
    """A person's best attempt in a round, with its place and prize.

    ``rank`` is the 1-based position in the full order, excluded people included (they keep
    their place but never win); ``prize`` is a prize code or None, ``amount`` 0 without one.
    ``too_fast``: the attempt was faster than a person can read (it never wins either).
    """

    rank: int
    attempt_id: str
    participant_id: str
    unit_id: str
    correct: int
    total: int
    prediction: int | None
    duration_ms: int
    submitted_at: int
    prediction_error: int | None
    excluded: bool
    prize: str | None
    amount: int
    too_fast: bool = False


def _check_actual(actual: int) -> None:
    _check_int("actual", actual, 0, MAX_PREDICTION)


def _entries_from_ordered(
    ordered: Iterable[SubmittedAttempt],
    actual: int,
    excluded_participant_ids: Iterable[str],
    prizes: Iterable[Mapping[str, Any] | PrizeTier],
    *,
    stop_when_awarded: bool,
    min_seconds_per_question: float,
) -> list[RankedEntry]:
    """Walk attempts already in ranking order: the first attempt seen of a person is their
    best, later ones are skipped. Shared by the full and the lazy ranking so both agree."""
    excluded_ids = frozenset(excluded_participant_ids)
    slots = _prize_slots(prizes)
    if stop_when_awarded and not slots:
        return []
    seen_people: set[str] = set()
    seen_attempts: set[str] = set()
    entries: list[RankedEntry] = []
    given = 0
    boundary: tuple[int, bool, int, int, int] | None = None
    for attempt in ordered:
        if attempt.attempt_id in seen_attempts:
            raise ValueError(f"duplicate attempt id {attempt.attempt_id!r}")
        seen_attempts.add(attempt.attempt_id)
        if boundary is not None and _visible_key(attempt, actual) != boundary:
            break
        if attempt.participant_id in seen_people:
            continue
        seen_people.add(attempt.participant_id)
        excluded = attempt.participant_id in excluded_ids
        fast = attempt.answered is not None and too_fast(
            attempt.duration_ms, attempt.answered, min_seconds_per_question
        )
        tier = None
        if not excluded and not fast and given < len(slots):
            tier = slots[given]
            given += 1
            if stop_when_awarded and given == len(slots):
                boundary = _visible_key(attempt, actual)
        entries.append(
            RankedEntry(
                rank=len(entries) + 1,
                attempt_id=attempt.attempt_id,
                participant_id=attempt.participant_id,
                unit_id=attempt.unit_id,
                correct=attempt.correct,
                total=attempt.total,
                prediction=attempt.prediction,
                duration_ms=attempt.duration_ms,
                submitted_at=attempt.submitted_at,
                prediction_error=prediction_error(attempt.prediction, actual),
                excluded=excluded,
                prize=None if tier is None else tier.prize,
                amount=0 if tier is None else tier.amount,
                too_fast=fast,
            )
        )
    return entries


def rank_individuals(
    attempts: Iterable[SubmittedAttempt],
    actual: int,
    excluded_participant_ids: Iterable[str] = frozenset(),
    *,
    prizes: Iterable[Mapping[str, Any] | PrizeTier],
    min_seconds_per_question: float = 0,
) -> list[RankedEntry]:
    """The full ranking of a round: each person's best attempt, best first, with prizes given
    down the order, skipping excluded people and too-fast attempts, at most one per person.

    ``actual`` is the number of submitted attempts in the round (the prediction's answer);
    ``prizes`` is the contest's ``prizes["individual"]`` table.
    """
    _check_actual(actual)
    ordered = sorted(attempts, key=lambda attempt: ranking_key(attempt, actual))
    return _entries_from_ordered(
        ordered,
        actual,
        excluded_participant_ids,
        prizes,
        stop_when_awarded=False,
        min_seconds_per_question=min_seconds_per_question,
    )


def top_individuals(
    ordered_attempts: Iterable[SubmittedAttempt],
    actual: int,
    excluded_participant_ids: Iterable[str] = frozenset(),
    *,
    prizes: Iterable[Mapping[str, Any] | PrizeTier],
    min_seconds_per_question: float = 0,
) -> list[RankedEntry]:
    """The head of ``rank_individuals`` from attempts already in ranking order (such as
    ``iter_ranked``), reading only until every prize is given and everyone tied with the last
    winner on all criteria but the attempt id is listed; equal to the full ranking's prefix."""
    _check_actual(actual)
    return _entries_from_ordered(
        ordered_attempts,
        actual,
        excluded_participant_ids,
        prizes,
        stop_when_awarded=True,
        min_seconds_per_question=min_seconds_per_question,
    )


# ---------------------------------------------------------------------------- units


@dataclass(frozen=True)
class UnitStats:
    """What the collective ranking compares for one unit (ward or commune), over the rounds
    so far. ``average_best_score`` is exact (a Fraction) so that equal units really tie."""

    unit_id: str
    participations: int
    participants: int
    average_best_score: Fraction
    prizes_won: int


@dataclass(frozen=True)
class UnitRankedEntry:
    """A unit's place in the collective ranking. ``values`` holds each criterion as compared
    (a rate per 1,000 inhabitants for counts when populations are given), rounded for display;
    the order itself is decided on exact values."""

    rank: int
    unit_id: str
    participations: int
    participants: int
    average_best_score: float
    prizes_won: int
    values: dict[str, float]
    prize: str | None
    amount: int


@dataclass(frozen=True)
class UnitCounters:
    """What the stream handler keeps for one unit in one round: submitted attempts, people
    (each person once, by their best attempt) and the sum of those people's best scores."""

    attempts: int = 0
    participants: int = 0
    best_sum: int = 0


@dataclass(frozen=True)
class RoundCounters:
    """A round's counters per unit and the distribution of people's best scores."""

    units: dict[str, UnitCounters]
    best_scores: dict[int, int]  # best correct -> people

    @property
    def attempts(self) -> int:
        return sum(c.attempts for c in self.units.values())

    @property
    def participants(self) -> int:
        return sum(c.participants for c in self.units.values())


@dataclass(frozen=True)
class SubmissionDelta:
    """The change one newly submitted attempt makes to the counters, given the person's best
    so far in the round (None before their first submitted attempt)."""

    unit_id: str
    new_person: bool
    best_sum_delta: int
    new_best: int | None  # set when the person's best improves
    old_best: int | None


def submission_delta(unit_id: str, correct: int, previous_best: int | None) -> SubmissionDelta:
    """Pure step of the stream handler: attempts +1 always; a first attempt adds a person;
    a better attempt moves the person's best, in the sum and in the distribution."""
    improves = previous_best is None or correct > previous_best
    return SubmissionDelta(
        unit_id=unit_id,
        new_person=previous_best is None,
        best_sum_delta=(correct - (previous_best or 0)) if improves else 0,
        new_best=correct if improves else None,
        old_best=previous_best if improves else None,
    )


def counters_from_attempts(attempts: Iterable[SubmittedAttempt]) -> RoundCounters:
    """The full recount of a round's counters from its submitted attempts: what the stream
    handler's increments must add up to, and the fallback when they cannot be trusted."""
    best: dict[str, tuple[str, int]] = {}
    unit_attempts: dict[str, int] = defaultdict(int)
    for attempt in attempts:
        unit_attempts[attempt.unit_id] += 1
        known = best.get(attempt.participant_id)
        if known is None or attempt.correct > known[1]:
            best[attempt.participant_id] = (attempt.unit_id, attempt.correct)
    people: dict[str, int] = defaultdict(int)
    best_sums: dict[str, int] = defaultdict(int)
    for unit_id, correct in best.values():
        people[unit_id] += 1
        best_sums[unit_id] += correct
    units = {
        unit_id: UnitCounters(unit_attempts[unit_id], people[unit_id], best_sums[unit_id])
        for unit_id in sorted(unit_attempts)
    }
    distribution: dict[int, int] = defaultdict(int)
    for _unit, correct in best.values():
        distribution[correct] += 1
    return RoundCounters(units, dict(sorted(distribution.items())))


def counters_without(total: RoundCounters, removed: RoundCounters) -> RoundCounters:
    """``total`` less the counters of some people (all of their attempts): the counters hold
    sums over people, so they subtract. Used to leave ineligible people out of the
    collective ranking without reading anyone else's attempts."""
    if set(removed.units) - set(total.units) or set(removed.best_scores) - set(total.best_scores):
        raise ValueError("removing people the counters do not hold")
    units = {}
    for unit_id, counter in total.units.items():
        gone = removed.units.get(unit_id, UnitCounters())
        left = UnitCounters(
            counter.attempts - gone.attempts,
            counter.participants - gone.participants,
            counter.best_sum - gone.best_sum,
        )
        if min(left.attempts, left.participants, left.best_sum) < 0:
            raise ValueError(f"unit {unit_id!r}: removing more than the counters hold")
        if left.attempts:
            units[unit_id] = left
    distribution = {
        correct: people - removed.best_scores.get(correct, 0) for correct, people in total.best_scores.items()
    }
    if min(distribution.values(), default=0) < 0:
        raise ValueError("removing more best scores than the counters hold")
    return RoundCounters(units, {correct: people for correct, people in distribution.items() if people})


def unit_stats_from_counters(
    rounds: Iterable[RoundCounters],
    contest_participants: Mapping[str, int],
    winners: Iterable[RankedEntry],
    *,
    unit_ids: Iterable[str] = (),
) -> list[UnitStats]:
    """Per-unit statistics over the rounds so far, from counters only (no attempt is read):

    - ``participations``: submitted attempts, all rounds together;
    - ``participants``: distinct people over the contest (``contest_participants``);
    - ``average_best_score``: the mean, over every (person, round) taken part in, of that
      person's best score in that round;
    - ``prizes_won``: individual prizes won by the unit's people (``winners``).
    """
    attempts: dict[str, int] = defaultdict(int)
    person_rounds: dict[str, int] = defaultdict(int)
    best_sums: dict[str, int] = defaultdict(int)
    for counters in rounds:
        for unit_id, unit in counters.units.items():
            attempts[unit_id] += unit.attempts
            person_rounds[unit_id] += unit.participants
            best_sums[unit_id] += unit.best_sum
    prizes_won: dict[str, int] = defaultdict(int)
    for entry in winners:
        if entry.prize is not None:
            prizes_won[entry.unit_id] += 1
    all_units = set(unit_ids) | set(attempts) | set(prizes_won)
    return [
        UnitStats(
            unit_id=unit_id,
            participations=attempts.get(unit_id, 0),
            participants=contest_participants.get(unit_id, 0),
            average_best_score=(
                Fraction(best_sums[unit_id], person_rounds[unit_id])
                if person_rounds.get(unit_id)
                else Fraction(0)
            ),
            prizes_won=prizes_won.get(unit_id, 0),
        )
        for unit_id in sorted(all_units)
    ]


def collective_rules(contest: Mapping[str, Any]) -> tuple[list[str], dict[str, int] | None]:
    """The contest's collective criteria, and the unit populations when every unit has one
    (only then do counts become rates: a partial table would compare rates with counts)."""
    criteria = list(contest.get("collective_criteria", DEFAULT_COLLECTIVE_CRITERIA))
    populations = {u["id"]: u["population"] for u in contest["units"] if u.get("population")}
    return criteria, populations if len(populations) == len(contest["units"]) else None


def _criterion_value(stats: UnitStats, criterion: str, populations: Mapping[str, int] | None) -> Fraction:
    value = Fraction(getattr(stats, criterion))
    if populations is None or criterion not in COUNT_CRITERIA:
        return value
    population = populations.get(stats.unit_id)
    if not isinstance(population, int) or isinstance(population, bool) or population <= 0:
        raise ValueError(f"unit {stats.unit_id!r} needs a positive population, got {population!r}")
    return value * 1000 / population


def rank_units(
    unit_stats: Iterable[UnitStats],
    criteria: Sequence[str],
    prizes_collective: Iterable[Mapping[str, Any] | PrizeTier],
    populations: Mapping[str, int] | None = None,
) -> list[UnitRankedEntry]:
    """The collective ranking: units ordered by each criterion in turn (more is better), then
    by unit id so the order is total. Provisional after each round, final after the last.

    With ``populations`` (inhabitants per unit) the count criteria become rates per 1,000
    inhabitants, so small communes can compete with large wards. Prizes go down the order;
    a unit without any participation gets none and does not use one up.
    """
    if len(set(criteria)) != len(criteria) or not set(criteria) <= COLLECTIVE_CRITERIA:
        raise ValueError(f"criteria must be distinct names from {sorted(COLLECTIVE_CRITERIA)}")
    stats_list = list(unit_stats)
    if len({stats.unit_id for stats in stats_list}) != len(stats_list):
        raise ValueError("each unit may appear only once")
    exact = {
        stats.unit_id: [_criterion_value(stats, criterion, populations) for criterion in criteria]
        for stats in stats_list
    }
    stats_list.sort(key=lambda stats: ([-value for value in exact[stats.unit_id]], stats.unit_id))
    slots = _prize_slots(prizes_collective)
    given = 0
    ranked = []
    for position, stats in enumerate(stats_list, start=1):
        tier = None
        if stats.participations > 0 and given < len(slots):
            tier = slots[given]
            given += 1
        ranked.append(
            UnitRankedEntry(
                rank=position,
                unit_id=stats.unit_id,
                participations=stats.participations,
                participants=stats.participants,
                average_best_score=round(float(stats.average_best_score), DISPLAY_DECIMALS),
                prizes_won=stats.prizes_won,
                values={
                    criterion: round(float(value), DISPLAY_DECIMALS)
                    for criterion, value in zip(criteria, exact[stats.unit_id], strict=True)
                },
                prize=None if tier is None else tier.prize,
                amount=0 if tier is None else tier.amount,
            )
        )
    return ranked


# ---------------------------------------------------------------------------- leaderboard keys


class BoardKey(NamedTuple):
    correct: int
    prediction: int | None
    duration_ms: int
    submitted_at: int
    attempt_id: str


def board_key(
    correct: int, prediction: int | None, duration_ms: int, submitted_at: int, attempt_id: str
) -> str:
    """Sort key of the leaderboard index: correct DESC, then prediction ASC (a missing one
    last), duration, submission time, attempt id. The prediction *error* cannot be in the
    key because the actual count is known only when the round closes; ``iter_ranked`` reads
    outwards from the actual value instead. Fixed widths make string order = ranking order."""
    _check_int("correct", correct, 0, MAX_CORRECT)
    if prediction is not None:
        _check_int("prediction", prediction, 0, MAX_PREDICTION)
    _check_int("duration_ms", duration_ms, 0, MAX_DURATION_MS)
    _check_int("submitted_at", submitted_at, 0, MAX_EPOCH_MS)
    if not isinstance(attempt_id, str) or not attempt_id:
        raise ValueError("attempt_id must be a non-empty string")
    shown = _NO_PREDICTION if prediction is None else prediction
    return f"{MAX_CORRECT - correct:03d}#{shown:010d}#{duration_ms:010d}#{submitted_at:013d}#{attempt_id}"


def parse_board_key(key: str) -> BoardKey:
    """Inverse of ``board_key`` (the attempt id may itself contain "#")."""
    parts = key.split("#", 4)
    if len(parts) != 5 or not all(part.isdigit() for part in parts[:4]) or not parts[4]:
        raise ValueError(f"not a board key: {key!r}")
    level, prediction, duration_ms, submitted_at, attempt_id = parts
    if (len(level), len(prediction), len(duration_ms), len(submitted_at)) != (3, 10, 10, 13):
        raise ValueError(f"not a board key: {key!r}")
    return BoardKey(
        correct=MAX_CORRECT - int(level),
        prediction=None if int(prediction) == _NO_PREDICTION else int(prediction),
        duration_ms=int(duration_ms),
        submitted_at=int(submitted_at),
        attempt_id=attempt_id,
    )


def attempt_board_key(attempt: SubmittedAttempt) -> str:
    return board_key(
        attempt.correct, attempt.prediction, attempt.duration_ms, attempt.submitted_at, attempt.attempt_id
    )


def board_shard(round_id: str, attempt_id: str, shards: int) -> str:
    """Partition key of an attempt on the leaderboard index. Spreading a round over
    ``shards`` partitions keeps the deadline rush under one partition's write limit; the
    hash is stable across processes (unlike ``hash()``), so any reader finds the attempt."""
    _check_int("shards", shards, 1, MAX_SHARDS)
    digest = hashlib.sha256(attempt_id.encode()).digest()
    return f"{round_id}#{int.from_bytes(digest[:8], 'big') % shards:02d}"


def board_shards(round_id: str, shards: int) -> list[str]:
    """Every partition key of a round on the leaderboard index."""
    _check_int("shards", shards, 1, MAX_SHARDS)
    return [f"{round_id}#{n:02d}" for n in range(shards)]


@dataclass(frozen=True)
class LevelQuery:
    """One read of the leaderboard index: a shard, one ``correct`` level, one side of the
    actual count. ``ascending``: predictions >= actual (and missing ones, at the end) in
    ascending key order; otherwise predictions < actual in descending key order."""

    shard: str
    correct: int
    ascending: bool
    actual: int

    def key_range(self) -> tuple[str, str]:
        """Inclusive bounds for a DynamoDB ``BETWEEN`` on the sort key; read with
        ``ScanIndexForward=ascending``."""
        level = f"{MAX_CORRECT - self.correct:03d}#"
        pivot = f"{level}{self.actual:010d}"
        return (pivot, level + _KEY_END) if self.ascending else (level, pivot)


LevelReader = Callable[[LevelQuery], Iterable[SubmittedAttempt]]


def _checked(items: Iterable[SubmittedAttempt], query: LevelQuery) -> Iterator[SubmittedAttempt]:
    """Pass the reader's items through, refusing any outside the query or out of order: a
    wrong adapter would otherwise silently publish a wrong ranking."""
    low, high = query.key_range()
    previous: str | None = None
    for attempt in items:
        key = attempt_board_key(attempt)
        if not low <= key <= high or attempt.correct != query.correct:
            raise ValueError(f"reader returned {key!r} outside {query}")
        if previous is not None and (key <= previous if query.ascending else key >= previous):
            raise ValueError(f"reader returned {key!r} out of order after {previous!r} for {query}")
        previous = key
        yield attempt


def _reverse_equal_predictions(items: Iterable[SubmittedAttempt]) -> Iterator[SubmittedAttempt]:
    """A descending read lists equal predictions with their tie-breakers reversed too
    (longest duration first); turn each run of one prediction around, one look-ahead item."""
    run: list[SubmittedAttempt] = []
    for attempt in items:
        if run and attempt.prediction != run[-1].prediction:
            yield from reversed(run)
            run = []
        run.append(attempt)
    yield from reversed(run)


def iter_ranked(
    read: LevelReader, *, shards: Sequence[str], actual: int, max_correct: int
) -> Iterator[SubmittedAttempt]:
    """Every attempt of a round (not just each person's best) in exact ranking order, read
    lazily from the leaderboard index: level by level from ``max_correct`` down, merging for
    each shard the read upwards from the actual count with the read downwards below it.

    Reading stops when the caller stops iterating, so feeding this to ``top_individuals``
    touches only the head of the index. Each level calls ``read`` twice per shard.
    """
    _check_actual(actual)
    _check_int("max_correct", max_correct, 0, MAX_CORRECT)
    for correct in range(max_correct, -1, -1):
        streams = []
        for shard in shards:
            upward = LevelQuery(shard=shard, correct=correct, ascending=True, actual=actual)
            downward = LevelQuery(shard=shard, correct=correct, ascending=False, actual=actual)
            streams.append(_checked(read(upward), upward))
            streams.append(_reverse_equal_predictions(_checked(read(downward), downward)))
        yield from heapq.merge(*streams, key=lambda attempt: ranking_key(attempt, actual))


# ---------------------------------------------------------------------------- snapshot


def canonical_ranking_json(entries: Iterable[RankedEntry | UnitRankedEntry]) -> str:
    """The ranking as published: JSON with sorted keys and no optional whitespace, so the
    same ranking always gives the same bytes."""
    return json.dumps(
        [asdict(entry) for entry in entries],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def ranking_sha256(entries: Iterable[RankedEntry | UnitRankedEntry]) -> str:
    """Hex SHA-256 of ``canonical_ranking_json`` (UTF-8): published with the snapshot, it lets
    anyone check that the results shown are the ones computed."""
    return hashlib.sha256(canonical_ranking_json(entries).encode("utf-8")).hexdigest()
