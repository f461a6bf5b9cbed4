"""Write and read units of each step of an attempt, measured on DynamoDB Local.

The Chalice app runs in this process (``chalice.test.Client``) over a throwaway DynamoDB Local;
``DDB_CAPACITY_LOG`` makes every DynamoDB call ask for ``ReturnConsumedCapacity=INDEXES``
(indexes included) and log it, transactions counted by AWS's rule (2 units per item per KB:
DynamoDB Local reports 2 for any transaction; chalicelib/data/capacity.py). ``--people``
people each register, start an attempt, save 5 times (4 more answers each time, the prediction
with the last) and submit. The attempts table's stream is then read back from DynamoDB Local
and handed to the stream handler, as the event source mapping would: the first person's
submission alone (a quiet hour: a batch of one), then everybody else's in batches of
``--batch`` submitted attempts (a deadline: the mapping's filter passes submissions only).

Contest and question caches are warm and kept (``CONFIG_CACHE_SECONDS=86400``): their refreshes
are shared by every request of a warm Lambda and are not an attempt's own cost; the first
start (which loads the question bank) is left out of the start's mean.

Usage: .venv/bin/python benchmarks/attempt_units.py [--people 101] [--batch 100] [--json out.json]
       (make bench-units). The table and what the figures mean: docs/design.md, "Units per attempt".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.dynamodb_local import DynamoDBLocal, free_port

SAVES = 5
REGION = "ap-southeast-1"
PREFIX = "songcong-units"


class UnitMeter:
    """Sums the capacity log's lines by step: write and read units, calls, and the write
    units each index took."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.offset = 0
        self.totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.counts: dict[str, int] = defaultdict(int)

    @contextmanager
    def step(self, name: str, *, count: bool = True) -> Iterator[None]:
        self._new_lines()  # whatever came before is nobody's
        yield
        lines = self._new_lines()
        totals = self.totals[name]
        for line in lines:
            totals["wru"] += line["wru"]
            totals["rru"] += line["rru"]
            totals["calls"] += 1
            if line["op"] == "TransactWriteItems":
                totals["transaction items"] += line.get("items", 0)
            for index, units in _index_units(line).items():
                totals[f"index {index}"] += units
        if count:
            self.counts[name] += 1

    def _new_lines(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        with self.log_path.open(encoding="utf-8") as handle:
            handle.seek(self.offset)
            text = handle.read()
            self.offset = handle.tell()
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def mean(self, name: str) -> dict[str, float]:
        n = max(1, self.counts[name])
        return {key: round(value / n, 2) for key, value in self.totals[name].items()}


def _index_units(line: dict) -> dict[str, float]:
    """Units a call spent on each global secondary index, as DynamoDB reported them."""
    found: dict[str, float] = defaultdict(float)
    for consumed in line.get("reported") or []:
        for index, units in (consumed.get("GlobalSecondaryIndexes") or {}).items():
            found[index] += float(units.get("CapacityUnits", 0) or 0)
    return found


def environment(endpoint: str, log_path: Path) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "units",
        "AWS_SECRET_ACCESS_KEY": "units",
        "AWS_DEFAULT_REGION": REGION,
        "STAGE": "units",
        "TABLE_PREFIX": PREFIX,
        "DYNAMODB_ENDPOINT": endpoint,
        "DDB_CAPACITY_LOG": str(log_path),
        "CONFIG_CACHE_SECONDS": "86400",
        "LIMIT_CHALLENGE_MAX_NUMBER": "200",
        "LIMIT_CLIENT_REGISTRATIONS": "100000",
        "LIMIT_CLIENT_SIGNINS": "100000",
    }


def run(people: int, batch: int, endpoint: str, log_path: Path) -> UnitMeter:
    """Every person's journey through the app, then the stream handler over the stream."""
    import boto3
    from chalice.test import Client

    from chalicelib.clock import FixedClock
    from chalicelib.container import build_services, use_services
    from chalicelib.data.repository import Repository
    from chalicelib.domain.timing import parse_iso
    from chalicelib.seeding import load_source, seed
    from chalicelib.stream import count_submissions
    from infra.table_specs import create_tables
    from scripts.local_stack import ShardReader
    from tests.altcha_solver import solve
    from tests.api.people import registration

    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
    create_tables(dynamodb, PREFIX)
    clock = FixedClock(parse_iso("2021-12-15T10:00:00+07:00"))
    contest, questions = load_source()
    seed(Repository(), contest, questions, clock.now_ms())
    services = build_services(clock=clock)
    use_services(services)
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=REGION)
    arn = dynamodb.describe_table(TableName=f"{PREFIX}-attempts")["Table"]["LatestStreamArn"]
    reader = ShardReader(streams, arn, "TRIM_HORIZON")
    reader.refresh()
    unit_ids = [unit["id"] for unit in contest["units"]]
    meter = UnitMeter(log_path)
    from app import app

    headers = {"Content-Type": "application/json"}
    submitted: list[dict] = []
    with Client(app) as client:
        http = client.http
        services.catalog.snapshot()  # warm caches, as in a Lambda that has served before
        opened = clock.now_ms()
        for number in range(people):
            clock.set(opened)  # everybody in the same few minutes, as at a deadline
            person = registration(unit_id=unit_ids[number % len(unit_ids)])
            with meter.step("register (challenge + POST /participants)"):
                challenge = http.get("/challenge").json_body
                person["altcha"] = solve(challenge)
                answer = http.post("/participants", body=json.dumps(person), headers=headers)
            assert answer.status_code == 201, answer.json_body
            auth = {**headers, "Authorization": "Bearer " + answer.json_body["token"]}
            with meter.step("start" if number else "first start (loads the bank)"):
                attempt = http.post("/rounds/r1/attempts", body="{}", headers=auth).json_body
            answers: dict[str, str] = {}
            for save in range(SAVES):
                for question in attempt["questions"][save * 4 : save * 4 + 4]:
                    answers[question["id"]] = question["options"][(number + save) % 4]["id"]
                body: dict[str, Any] = {"answers": answers}
                if save == 0:
                    body["first_save"] = True  # as the page says of its first save
                if save == SAVES - 1:
                    body["prediction"] = 1500
                clock.advance(seconds=20)
                with meter.step("autosave (each)"):
                    saved = http.put(
                        f"/attempts/{attempt['attempt_id']}/answers", body=json.dumps(body), headers=auth
                    )
                assert saved.status_code == 200, saved.json_body
            clock.advance(seconds=5)
            with meter.step("submit"):
                done = http.post(f"/attempts/{attempt['attempt_id']}/submit", body="{}", headers=auth)
            assert done.status_code == 200, done.json_body
            submitted.append(done.json_body)
            if number == 0:
                _count(meter, "counting, alone (a batch of 1)", reader, count_submissions, services, batch)
        _count(
            meter, f"counting, at a deadline (batches of {batch})", reader, count_submissions, services, batch
        )
    use_services(None)
    return meter


def _count(meter: UnitMeter, name: str, reader: Any, handler: Callable, services: Any, batch: int) -> None:
    """Read the stream so far and hand its submissions to the handler in batches; the step's
    units are divided by the attempts counted."""
    from chalicelib.stream import newly_submitted

    records, empty_reads = [], 0
    while empty_reads < 2:  # the first read of a shard may only reposition its iterator
        fresh = reader.read()
        records += fresh
        empty_reads = 0 if fresh else empty_reads + 1
    submissions = [
        r
        for r in json.loads(json.dumps(records, default=str))
        if newly_submitted(r["dynamodb"].get("OldImage"), r["dynamodb"].get("NewImage"))
    ]
    counted = 0
    with meter.step(name, count=False):
        for start in range(0, len(submissions), batch):
            outcome = handler(submissions[start : start + batch], services.repository)
            counted += outcome["counted"]
    meter.counts[name] = counted
    assert counted == len(submissions), (counted, len(submissions))


def summarize(meter: UnitMeter, batch: int) -> dict:
    rows = {name: meter.mean(name) for name in meter.totals}
    deadline = f"counting, at a deadline (batches of {batch})"
    own = {
        key: round(rows["start"][key] + SAVES * rows["autosave (each)"][key] + rows["submit"][key], 2)
        for key in ("wru", "rru")
    }
    wholes = {
        label: {key: round(own[key] + rows.get(counting, {}).get(key, 0), 2) for key in ("wru", "rru")}
        for label, counting in (
            ("whole attempt, deadline", deadline),
            ("whole attempt, quiet hour", "counting, alone (a batch of 1)"),
        )
    }
    return {"steps": rows, "attempt without counting": own, **wholes, "attempts": meter.counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=101, help="people, one attempt each")
    parser.add_argument("--batch", type=int, default=100, help="submitted attempts per stream batch")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    log_path = Path(tempfile.mkdtemp(prefix="attempt-units-")) / "capacity.jsonl"
    with DynamoDBLocal(port=free_port(), in_memory=True) as local:
        os.environ.update(environment(local.endpoint, log_path))
        meter = run(args.people, args.batch, local.endpoint, log_path)
    figures = summarize(meter, args.batch)
    print(f"{'step (mean per attempt)':<44} {'WRU':>6} {'RRU':>6} {'calls':>6}  by index (WRU), transactions")
    for name, row in figures["steps"].items():
        extra = ", ".join(f"{k} {v:g}" for k, v in row.items() if k.startswith(("index", "transaction")))
        print(f"{name:<44} {row['wru']:>6g} {row['rru']:>6g} {row['calls']:>6g}  {extra}")
    print(f"whole attempt = start + {SAVES} saves + submit (+ counting):")
    for label in ("attempt without counting", "whole attempt, deadline", "whole attempt, quiet hour"):
        row = figures[label]
        print(f"  {label:<42} {row['wru']:>6g} {row['rru']:>6g}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
