"""Counting throughput of the stream handler on DynamoDB Local, and the partition load it
would put on the stats table at a national deadline.

Synthetic submissions (``--people`` people of the contest's units, 1 to 3 attempts each,
in the last two hours of a round) are cut into stream batches of ``--batch`` and handed to
``chalicelib.stream.count_submissions`` by ``--lanes`` processes at once, each person always
in the same lane (as DynamoDB Streams and the event source mapping keep one person's records
in one shard, in order). Every write the handler sends is tallied by partition key, with
transactions counted by AWS's rule (2 units an item per KB). Afterwards the counters are
checked against a recount of the submissions.

The model: at ``--rate`` submitted attempts a second, in batches as full as here (the mapping's
batching window fills them at such a rate), each partition key takes its measured share of
write units per attempt times the rate. A DynamoDB partition takes 1,000 write units a second.

Usage: .venv/bin/python benchmarks/counting_throughput.py [--people 20000] [--lanes 2]
       [--batch 100] [--rate 10000] (make bench-counting)
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.attempt_units import PREFIX, REGION, environment
from scripts.dynamodb_local import DynamoDBLocal, free_port

PARTITION_WCU = 1000
ROUND_ID = "r1"
CLOSES_AT = 1_640_000_000_000


def synthetic(people: int, units: list[str], seed: int = 12) -> list[dict]:
    """Stream records of newly submitted attempts in the order they were submitted (a person's
    1 to 3 attempts minutes apart, everybody's interleaved, as at a deadline)."""
    rng = random.Random(seed)
    records = []
    for n in range(people):
        person, unit_id = f"p{n:07d}", units[n % len(units)]
        times = sorted(CLOSES_AT - rng.randint(0, 7_200_000) for _ in range(rng.randint(1, 3)))
        for number, submitted_at in enumerate(times):
            image = {
                "status": {"S": "submitted"},
                "round_id": {"S": ROUND_ID},
                "unit_id": {"S": unit_id},
                "attempt_id": {"S": f"{person}.{ROUND_ID}.{number}"},
                "participant_id": {"S": person},
                "correct": {"N": str(rng.randint(0, 20))},
                "submitted_at": {"N": str(submitted_at)},
            }
            records.append({"dynamodb": {"OldImage": {**image, "status": {"S": "open"}}, "NewImage": image}})
    return sorted(records, key=lambda r: int(r["dynamodb"]["NewImage"]["submitted_at"]["N"]))


def lane(batches: list[list[dict]]) -> tuple[Counter, dict[str, int], float]:
    """One lane of the event source mapping: its batches one after another. Returns the
    write units by partition key, the handler's outcome and the seconds spent."""
    from pynamodb.connection.base import Connection

    from chalicelib.data.capacity import item_size
    from chalicelib.data.repository import Repository
    from chalicelib.stream import count_submissions

    units_by_key: Counter = Counter()
    original = Connection.dispatch

    def tally(self, operation: str, request: dict) -> dict:
        if operation == "TransactWriteItems":
            for item in request["TransactItems"]:
                ((kind, body),) = item.items()
                key = (body.get("Key") or body.get("Item"))["pk"]["S"]
                size = item_size(body["Item"]) if kind == "Put" else 1024
                units_by_key[key] += 2 * max(1, math.ceil(size / 1024))
        return original(self, operation, request)

    Connection.dispatch = tally
    repository = Repository()
    outcome: Counter = Counter()
    started = time.perf_counter()
    for batch in batches:
        outcome.update(count_submissions(batch, repository))
    return units_by_key, dict(outcome), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--lanes", type=int, default=2, help="batches handled at once")
    parser.add_argument("--batch", type=int, default=100, help="submitted attempts per stream batch")
    parser.add_argument("--rate", type=int, default=10_000, help="submits a second to model")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    contest = json.loads((Path(__file__).parents[1] / "question_data" / "contest.json").read_text("utf-8"))
    units = [unit["id"] for unit in contest["units"]]
    records = synthetic(args.people, units)
    lanes: list[list[dict]] = [[] for _ in range(args.lanes)]
    for record in records:
        person = record["dynamodb"]["NewImage"]["participant_id"]["S"]
        lanes[int(person[1:]) % args.lanes].append(record)
    work = [[rows[i : i + args.batch] for i in range(0, len(rows), args.batch)] for rows in lanes]
    log_path = Path(tempfile.mkdtemp(prefix="counting-")) / "capacity.jsonl"
    with DynamoDBLocal(port=free_port(), in_memory=True) as local:
        os.environ.update(environment(local.endpoint, log_path))
        import boto3

        from infra.table_specs import create_tables

        create_tables(boto3.client("dynamodb", endpoint_url=local.endpoint, region_name=REGION), PREFIX)
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.lanes) as pool:
            results = pool.map(lane, work)
        wall = time.perf_counter() - started
        figures = check_and_model(records, results, wall, args)
    from chalicelib.data.capacity import read_log

    log = read_log(str(log_path))
    figures["wru_per_attempt"] = round(sum(line["wru"] for line in log) / len(records), 3)
    figures["rru_per_attempt"] = round(sum(line["rru"] for line in log) / len(records), 3)
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def check_and_model(records: list[dict], results: list, wall: float, args: argparse.Namespace) -> dict:
    """The counters against a recount, then the throughput and the modelled partition load."""
    from chalicelib.data.repository import Repository
    from chalicelib.domain.ranking import SubmittedAttempt, counters_from_attempts

    attempts = [
        SubmittedAttempt(
            attempt_id=image["attempt_id"]["S"],
            participant_id=image["participant_id"]["S"],
            unit_id=image["unit_id"]["S"],
            correct=int(image["correct"]["N"]),
            total=20,
            prediction=None,
            duration_ms=0,
            submitted_at=int(image["submitted_at"]["N"]),
        )
        for image in (r["dynamodb"]["NewImage"] for r in records)
    ]
    repository = Repository()
    exact = repository.round_counters(ROUND_ID) == counters_from_attempts(attempts) and (
        repository.contest_participants()
        == dict(Counter(a.unit_id for a in attempts if a.attempt_id.endswith(".0")))
    )
    units_by_key: Counter = sum((r[0] for r in results), Counter())
    outcome: Counter = sum((Counter(r[1]) for r in results), Counter())
    hottest, units = units_by_key.most_common(1)[0]
    per_attempt = units / len(records)
    counter_key, counter_units = max(
        ((key, value) for key, value in units_by_key.items() if "#C" in key), key=lambda kv: kv[1]
    )
    return {
        "submitted attempts": len(records),
        "counted": outcome["counted"],
        "repeated": outcome["repeated"],
        "exact (counters equal a recount)": exact,
        "lanes": args.lanes,
        "batch": args.batch,
        "seconds": round(wall, 2),
        "attempts counted a second": round(len(records) / wall),
        "slowest lane, attempts a second": round(min(sum(r[1].values()) / r[2] for r in results)),
        "partition keys written": len(units_by_key),
        "hottest partition key": hottest,
        "its write units per attempt counted": round(per_attempt, 4),
        f"modelled load at {args.rate} submits/s, WCU/s": round(per_attempt * args.rate),
        "share of a partition's 1,000 WCU": f"{per_attempt * args.rate / PARTITION_WCU:.0%}",
        "hottest counter partition key": counter_key,
        "its modelled load, WCU/s": round(counter_units / len(records) * args.rate),
    }


if __name__ == "__main__":
    main()
