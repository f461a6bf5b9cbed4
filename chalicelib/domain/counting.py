"""Counting a batch of submitted attempts in memory (pure): what the stream handler writes.

The handler reads the state of the people a batch touches (their best score so far in each
round and the attempts of theirs already counted), plans every person's change here, and then
writes once per person and once per touched counter. A person's changes all share
the attempts table's partition key (``participant_id``), so DynamoDB Streams hands them to one
shard in order and no two batches hold the same person at the same time: the plan of a person
only has to be right against the state read, which the write's condition checks.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chalicelib.domain.ranking import submission_delta

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Submission:
    """One newly submitted attempt, as the stream record tells it."""

    round_id: str
    unit_id: str
    attempt_id: str
    participant_id: str
    correct: int
    submitted_at: int


@dataclass(frozen=True)
class PersonState:
    """What is stored for a person in a round: the best score and the attempts counted."""

    unit_id: str
    best: int
    counted: frozenset[str]


@dataclass
class CounterDeltas:
    """What a set of submissions adds to the counters, keyed as they are stored."""

    units: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    best_scores: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    hours: dict[tuple[str, int, str], int] = field(default_factory=lambda: defaultdict(int))
    contest_people: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: CounterDeltas) -> None:
        for key, counts in other.units.items():
            self.units[key].update(counts)
        for target, source in (
            (self.best_scores, other.best_scores),
            (self.hours, other.hours),
            (self.contest_people, other.contest_people),
        ):
            for key, value in source.items():
                target[key] += value


@dataclass
class PersonPlan:
    """One person's change in one round: the state read (None: not seen in the round), the
    state to write, the attempts it counts and what they add to the counters."""

    round_id: str
    participant_id: str
    unit_id: str
    previous: PersonState | None
    best: int | None
    added: list[str]
    new_in_contest: bool
    deltas: CounterDeltas


def plan_batch(
    submissions: Iterable[Submission],
    people: Mapping[tuple[str, str], PersonState | None],
    known_in_contest: set[str],
) -> tuple[list[PersonPlan], int]:
    """Plans for the submissions not counted yet, in stream order, one per (round, person);
    and how many were repeats (counted before, or twice in this batch). ``people`` holds the
    stored state of every (round, participant) of the batch; ``known_in_contest`` the people
    already counted in any round."""
    plans: dict[tuple[str, str], PersonPlan] = {}
    newly_known: set[str] = set()
    repeated = 0
    for item in submissions:
        key = (item.round_id, item.participant_id)
        plan = plans.get(key)
        if plan is None:
            stored = people.get(key)
            plan = PersonPlan(
                item.round_id,
                item.participant_id,
                stored.unit_id if stored else item.unit_id,
                stored,
                None if stored is None else stored.best,
                [],
                False,
                CounterDeltas(),
            )
        seen = plan.previous.counted if plan.previous else frozenset()
        if item.attempt_id in seen or item.attempt_id in plan.added:
            repeated += 1
            continue
        plans[key] = plan
        delta = submission_delta(plan.unit_id, item.correct, plan.best)
        plan.added.append(item.attempt_id)
        units = plan.deltas.units[(item.round_id, plan.unit_id)]
        units["attempts"] += 1
        units["people"] += int(delta.new_person)
        units["best_sum"] += delta.best_sum_delta
        plan.deltas.hours[(item.round_id, item.submitted_at // HOUR_MS, plan.unit_id)] += 1
        if delta.new_best is not None:
            plan.best = delta.new_best
            plan.deltas.best_scores[(item.round_id, delta.new_best)] += 1
            if delta.old_best is not None:
                plan.deltas.best_scores[(item.round_id, delta.old_best)] -= 1
        if delta.new_person and item.participant_id not in known_in_contest | newly_known:
            plan.new_in_contest = True
            plan.deltas.contest_people[plan.unit_id] += 1
            newly_known.add(item.participant_id)
    return list(plans.values()), repeated


def shard_of(participant_id: str, shards: int) -> int:
    """The partition a person's counter items live in (stable across processes)."""
    return zlib.crc32(participant_id.encode()) % shards
