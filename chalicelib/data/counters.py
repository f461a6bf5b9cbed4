"""Live statistics kept by the stream handler, written once per batch and spread over partitions.

Layout in the stats table (``N`` = ``STATS_COUNTER_SHARDS``, ``M`` = ``STATS_PERSON_SHARDS``):

- ``<round>#C<k>`` / ``COUNTS`` (k < N): the round's counters as flat attributes,
  ``attempts:<unit>``, ``people:<unit>``, ``best_sum:<unit>`` and ``best:<score>`` (people
  whose best is that score); ``<round>#C<k>`` / ``HOURS#<epoch hour>``: ``attempts:<unit>``.
- ``CONTEST#C<k>`` / ``COUNTS``: ``people:<unit>``, distinct people over the contest.
- ``PEOPLE#<m>`` / ``PERSON#<participant>`` (m = crc32(participant) mod M): one item a person
  for the whole contest: ``unit_id``, ``best:<round>`` and ``counted:<round>`` (the attempt ids
  counted) for each round taken part in, and ``version`` (raised by every write).
- Before this layout: ``<round>`` and ``CONTEST`` partitions with ``UNIT#``, ``BEST#``,
  ``HOUR#``, ``PERSON#`` and ``SEEN#`` items; readers still add them in.

A batch is planned in memory (``domain.counting``) from one read of its people and written in
transactions of at most 100 items: one put per person (its new state, conditioned on the
``version`` read) and one ``ADD`` per touched counter item in one counter shard picked at random.
The person's item carries the idempotency marks (the attempt ids in ``counted:<round>``), so a
retried or bisected batch, a record delivered twice or a replay from the dead-letter queue
counts nothing twice, and a transaction either counts its attempts everywhere or nowhere.
Readers sum the N shards. N and M are fixed for a contest (only N may grow).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.connection import Connection

from chalicelib.domain.counting import (
    CounterDeltas,
    PersonPlan,
    PersonState,
    Submission,
    plan_batch,
    shard_of,
)
from chalicelib.domain.ranking import RoundCounters, UnitCounters

COUNTS_SK = "COUNTS"
HOURS_PREFIX = "HOURS#"
PERSON_PREFIX = "PERSON#"
PEOPLE_PREFIX = "PEOPLE#"
CONTEST_SCOPE = "CONTEST"
LEGACY_UNIT_PREFIX = "UNIT#"
LEGACY_BEST_PREFIX = "BEST#"
MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET = 100
MAX_TRIES = 8


def counter_partition(scope: str, shard: int) -> str:
    return f"{scope}#C{shard:02d}"


def person_partition(participant_id: str, shards: int) -> str:
    return f"{PEOPLE_PREFIX}{shard_of(participant_id, shards):02d}"


class CountingConflict(RuntimeError):
    """A batch's transactions kept meeting concurrent changes: the batch is retried."""


class StatsCounters:
    """The stream handler's writes and the readers' sums over the stats table."""

    def __init__(self, *, connection: Connection, table_name: str, counter_shards: int, person_shards: int):
        self._connection = connection
        self._table = table_name
        self._counter_shards = counter_shards
        self._person_shards = person_shards

    # --- counting ---------------------------------------------------------------------------

    def count(self, submissions: Sequence[Submission]) -> tuple[int, int]:
        """Count a batch's submissions exactly once: (counted now, counted before or repeated)."""
        counted: set[str] = set()
        for attempt in range(MAX_TRIES):
            consistent = attempt > 0  # a stale read only fails a condition: read again, consistently
            stored = self._read_people({s.participant_id for s in submissions}, consistent)
            people = {
                (s.round_id, s.participant_id): _round_state(stored.get(s.participant_id), s.round_id)
                for s in submissions
            }
            plans, _ = plan_batch(submissions, people, set(stored))
            try:
                for chunk in _chunks(plans):
                    self._commit(chunk, stored)
                    counted.update(a for plan in chunk for a in plan.added)
            except ClientError as error:
                if not _retryable(error):
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
                continue
            return len(counted), len(submissions) - len(counted)
        raise CountingConflict(f"a batch of {len(submissions)} still conflicting after {MAX_TRIES} tries")

    def _read_people(self, participant_ids: set[str], consistent: bool) -> dict[str, dict]:
        """{participant: stored item} of the people already counted in some round."""
        keys = [self._person_key(pid) for pid in sorted(participant_ids)]
        return {item["sk"]["S"][len(PERSON_PREFIX) :]: item for item in self._batch_get(keys, consistent)}

    def _person_key(self, participant_id: str) -> dict:
        return {
            "pk": {"S": person_partition(participant_id, self._person_shards)},
            "sk": {"S": PERSON_PREFIX + participant_id},
        }

    def _batch_get(self, keys: list[dict], consistent: bool) -> Iterator[dict]:
        for start in range(0, len(keys), MAX_BATCH_GET):
            wanted: dict[str, Any] = {
                "Keys": keys[start : start + MAX_BATCH_GET],
                "ConsistentRead": consistent,
            }
            while wanted:
                answer = self._connection.dispatch("BatchGetItem", {"RequestItems": {self._table: wanted}})
                yield from answer.get("Responses", {}).get(self._table, [])
                wanted = answer.get("UnprocessedKeys", {}).get(self._table)
                if wanted:
                    time.sleep(random.uniform(0, 0.05))  # keys left over under throttling

    def _commit(self, chunk: list[PersonPlan], stored: dict[str, dict]) -> None:
        """One transaction: the chunk's people and its counters in one counter shard."""
        deltas = CounterDeltas()
        by_person: dict[str, list[PersonPlan]] = defaultdict(list)
        for plan in chunk:
            deltas.add(plan.deltas)
            by_person[plan.participant_id].append(plan)
        items = [self._person_put(stored.get(pid), plans) for pid, plans in by_person.items()]
        shard = random.randrange(self._counter_shards)
        items += [self._add(pk, sk, values) for pk, sk, values in _counter_items(deltas, shard)]
        # The token makes botocore's own retry of a transaction that did commit a no-op.
        request = {"TransactItems": items, "ClientRequestToken": uuid.uuid4().hex}
        self._connection.dispatch("TransactWriteItems", request)

    def _person_put(self, stored: dict | None, plans: list[PersonPlan]) -> dict:
        """The person's whole new item (a put: cheaper for DynamoDB to apply than an update),
        conditioned on the version the plans were made from."""
        item = {**(stored or {}), **self._person_key(plans[0].participant_id)}
        item.setdefault("unit_id", {"S": plans[0].unit_id})
        for plan in plans:
            counted = (plan.previous.counted if plan.previous else frozenset()) | set(plan.added)
            item[f"best:{plan.round_id}"] = {"N": str(plan.best)}
            item[f"counted:{plan.round_id}"] = {"SS": sorted(counted)}
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if stored is None:
            item["version"] = {"N": "1"}
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            version = int(stored["version"]["N"])
            item["version"] = {"N": str(version + 1)}
            put["ConditionExpression"] = "version = :read"
            put["ExpressionAttributeValues"] = {":read": {"N": str(version)}}
        return {"Put": put}

    def _add(self, pk: str, sk: str, values: dict[str, int]) -> dict:
        names = {f"#a{i}": name for i, name in enumerate(values)}
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(values))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": {f":v{i}": {"N": str(v)} for i, v in enumerate(values.values())},
            }
        }

    # --- reading ----------------------------------------------------------------------------

    def round_counters(self, round_id: str, legacy: Iterable[Any]) -> RoundCounters:
        """The N shards' sums, plus ``legacy`` (the items of the layout before, as models)."""
        sums: Counter = Counter()
        for item in self._shard_items(round_id, COUNTS_SK):
            sums.update(_numbers(item))
        for item in legacy:
            if item.sk.startswith(LEGACY_UNIT_PREFIX):
                unit_id = item.sk[len(LEGACY_UNIT_PREFIX) :]
                sums[f"attempts:{unit_id}"] += int(item.attempts)
                sums[f"people:{unit_id}"] += int(item.participants)
                sums[f"best_sum:{unit_id}"] += int(item.best_sum)
            elif item.sk.startswith(LEGACY_BEST_PREFIX):
                sums[f"best:{int(item.sk[len(LEGACY_BEST_PREFIX) :])}"] += int(item.people)
        units = {}
        for name in sums:
            kind, _, unit_id = name.partition(":")
            if kind == "attempts" and sums[name]:
                units[unit_id] = UnitCounters(
                    sums[name], sums[f"people:{unit_id}"], sums[f"best_sum:{unit_id}"]
                )
        distribution = {
            int(name.partition(":")[2]): people
            for name, people in sums.items()
            if name.startswith("best:") and people
        }
        return RoundCounters(dict(sorted(units.items())), dict(sorted(distribution.items())))

    def attempts_per_hour(self, round_id: str, unit_ids: Iterable[str]) -> dict[int, int]:
        wanted = {f"attempts:{unit_id}" for unit_id in unit_ids}
        hours: dict[int, int] = defaultdict(int)
        for shard in range(self._counter_shards):
            for item in self._query(counter_partition(round_id, shard), HOURS_PREFIX):
                hour = int(item["sk"]["S"][len(HOURS_PREFIX) :])
                hours[hour] += sum(v for name, v in _numbers(item).items() if name in wanted)
        return {hour: count for hour, count in hours.items() if count}

    def contest_participants(self) -> dict[str, int]:
        sums: Counter = Counter()
        for item in self._shard_items(CONTEST_SCOPE, COUNTS_SK):
            sums.update({name.partition(":")[2]: v for name, v in _numbers(item).items()})
        return dict(sums)

    def round_people(self, round_id: str) -> dict[str, tuple[str, int]]:
        """{participant: (unit, best score)} of everyone counted in the round (M queries)."""
        return {
            item["sk"]["S"][len(PERSON_PREFIX) :]: (item["unit_id"]["S"], int(item[f"best:{round_id}"]["N"]))
            for item in self._people()
            if f"best:{round_id}" in item
        }

    def contest_people(self) -> dict[str, str]:
        """{participant: unit} of everyone counted in any round (M queries)."""
        return {item["sk"]["S"][len(PERSON_PREFIX) :]: item["unit_id"]["S"] for item in self._people()}

    def _people(self) -> Iterator[dict]:
        for shard in range(self._person_shards):
            yield from self._query(f"{PEOPLE_PREFIX}{shard:02d}", PERSON_PREFIX)

    def _shard_items(self, scope: str, sk: str) -> Iterator[dict]:
        keys = [
            {"pk": {"S": counter_partition(scope, k)}, "sk": {"S": sk}} for k in range(self._counter_shards)
        ]
        return self._batch_get(keys, consistent=True)

    def _query(self, pk: str, prefix: str) -> Iterator[dict]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        while True:
            answer = self._connection.dispatch("Query", request)
            yield from answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _counter_items(deltas: CounterDeltas, shard: int) -> list[tuple[str, str, dict[str, int]]]:
    """(pk, sk, {attribute: amount}) of every counter item the deltas touch, zeros left out."""
    by_item: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (round_id, unit_id), counts in deltas.units.items():
        for kind, amount in counts.items():
            by_item[(counter_partition(round_id, shard), COUNTS_SK)][f"{kind}:{unit_id}"] = amount
    for (round_id, score), people in deltas.best_scores.items():
        by_item[(counter_partition(round_id, shard), COUNTS_SK)][f"best:{score}"] = people
    for (round_id, hour, unit_id), attempts in deltas.hours.items():
        by_item[(counter_partition(round_id, shard), f"{HOURS_PREFIX}{hour}")][f"attempts:{unit_id}"] = (
            attempts
        )
    for unit_id, people in deltas.contest_people.items():
        by_item[(counter_partition(CONTEST_SCOPE, shard), COUNTS_SK)][f"people:{unit_id}"] = people
    return [
        (pk, sk, {name: amount for name, amount in values.items() if amount})
        for (pk, sk), values in by_item.items()
        if any(values.values())
    ]


def _chunks(plans: list[PersonPlan]) -> Iterator[list[PersonPlan]]:
    """Plans grouped so that each transaction holds at most 100 items, a person's plans (one
    item) always in the same transaction."""
    by_person: dict[str, list[PersonPlan]] = defaultdict(list)
    for plan in plans:
        by_person[plan.participant_id].append(plan)
    chunk: list[PersonPlan] = []
    people, counters = 0, set()
    for person_plans in by_person.values():
        touched = set().union(*(_counter_keys(plan.deltas) for plan in person_plans))
        if chunk and people + 1 + len(counters | touched) > MAX_TRANSACTION_ITEMS:
            yield chunk
            chunk, people, counters = [], 0, set()
        chunk += person_plans
        people += 1
        counters |= touched
    if chunk:
        yield chunk


def _counter_keys(deltas: CounterDeltas) -> set[tuple]:
    """The counter items these deltas touch (whatever the shard)."""
    return (
        {("counts", round_id) for round_id, _ in deltas.units}
        | {("counts", round_id) for round_id, _ in deltas.best_scores}
        | {("hours", round_id, hour) for round_id, hour, _ in deltas.hours}
        | ({("contest",)} if deltas.contest_people else set())
    )


def _round_state(item: dict | None, round_id: str) -> PersonState | None:
    """A person's state in one round from their stored item; None before their first attempt."""
    if item is None or f"best:{round_id}" not in item:
        return None
    return PersonState(
        item["unit_id"]["S"], int(item[f"best:{round_id}"]["N"]), frozenset(item[f"counted:{round_id}"]["SS"])
    )


def _numbers(item: dict) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


def _retryable(error: ClientError) -> bool:
    """A transaction cancelled by a stale read or a concurrent writer: plan again and retry
    (always safe: the next plan reads consistently and the conditions hold it to what it read).
    A request DynamoDB refuses as invalid is raised."""
    code = error.response.get("Error", {}).get("Code")
    reasons = {reason.get("Code") for reason in error.response.get("CancellationReasons") or []}
    return (
        code in ("TransactionCanceledException", "TransactionConflictException")
        and "ValidationError" not in reasons
    )
