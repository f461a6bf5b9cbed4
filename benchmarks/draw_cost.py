"""DynamoDB calls and units of the blueprint draw, per attempt, measured on DynamoDB Local.

The app runs in this process (``chalice.test.Client``) over a throwaway DynamoDB Local with
``DDB_CAPACITY_LOG`` on (chalicelib/data/capacity.py: ``ReturnConsumedCapacity`` on every call).
One person starts and submits three attempts in round 1, then three in round 2: each start
reads the person's earlier attempts (one Query of their partition) to avoid the questions they
have seen, so its cost grows with the attempts already made; the bank itself is cached. Then
the bank cache's own refreshes: the manifest alone (nothing changed), and manifest + questions
(after an edit). The bank is question_data's when it keeps the row rules, else a test bank of
the same size.

Usage: .venv/bin/python benchmarks/draw_cost.py   (make bench-draw)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.attempt_units import UnitMeter, environment
from scripts.dynamodb_local import DynamoDBLocal, free_port

ROUND_OPENS = {"r1": "2021-12-15T10:00:00+07:00", "r2": "2021-12-22T10:00:00+07:00"}


def run(endpoint: str, log_path: Path) -> tuple[UnitMeter, str]:
    import boto3
    from chalice.test import Client

    from chalicelib.bank.service import BankService
    from chalicelib.catalog import BANK_CACHE_SECONDS
    from chalicelib.clock import FixedClock
    from chalicelib.container import build_services, use_services
    from chalicelib.data.repository import Repository
    from chalicelib.domain.bank import InvalidBank, validate_bank
    from chalicelib.domain.timing import parse_iso
    from chalicelib.organizers.policy import OPERATOR
    from chalicelib.seeding import load_source, seed
    from infra.table_specs import create_tables
    from tests.altcha_solver import solve
    from tests.api.people import registration
    from tests.bank_factory import synthetic_bank

    create_tables(
        boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1"), "songcong-units"
    )
    clock = FixedClock(parse_iso(ROUND_OPENS["r1"]))
    contest, rows = load_source()
    try:
        validate_bank(rows, {d["id"] for d in contest["documents"]})
        bank_name = f"question_data ({len(rows)} questions)"
    except InvalidBank:
        rows = synthetic_bank(contest, per_document=30)
        bank_name = f"a test bank of {len(rows)} questions (question_data breaks a row rule)"
    seed(Repository(), contest, rows, clock.now_ms())
    services = build_services(clock=clock)
    use_services(services)
    meter = UnitMeter(log_path)
    from app import app

    headers = {"Content-Type": "application/json"}
    with Client(app) as client:
        http = client.http
        services.catalog.snapshot()
        with meter.step("bank cache: first load (manifest + questions)"):
            services.catalog.bank()
        person = registration()
        person["altcha"] = solve(http.get("/challenge").json_body)
        token = http.post("/participants", body=json.dumps(person), headers=headers).json_body["token"]
        auth = {**headers, "Authorization": "Bearer " + token}
        earlier = 0
        for round_id in ("r1", "r2"):
            clock.set(parse_iso(ROUND_OPENS[round_id]))
            services.catalog.snapshot(fresh=True)
            services.catalog.bank()  # a refresh may fall due when the clock jumps: not the draw's
            for _ in range(3):
                with meter.step(f"start with {earlier} earlier attempt(s)"):
                    attempt = http.post(f"/rounds/{round_id}/attempts", body="{}", headers=auth).json_body
                assert len(attempt["questions"]) == contest["rules"]["questions_per_attempt"], attempt
                clock.advance(seconds=60)
                answers = {q["id"]: q["options"][0]["id"] for q in attempt["questions"]}
                done = http.post(
                    f"/attempts/{attempt['attempt_id']}/submit",
                    body=json.dumps({"answers": answers}),
                    headers=auth,
                )
                assert done.status_code == 200, done.json_body
                earlier += 1
        clock.advance(seconds=BANK_CACHE_SECONDS + 1)
        with meter.step("bank cache: refresh, nothing changed (manifest)"):
            services.catalog.bank()
        question = next(iter(services.catalog.bank().by_id.values()))
        BankService(
            repository=services.repository, catalog=services.catalog, clock=clock, settings=services.settings
        ).retire(OPERATOR, question.id)
        clock.advance(seconds=BANK_CACHE_SECONDS + 1)
        with meter.step("bank cache: refresh after a change (manifest + questions)"):
            services.catalog.bank()
    use_services(None)
    return meter, bank_name


def main() -> None:
    log_path = Path(tempfile.mkdtemp(prefix="draw-cost-")) / "capacity.jsonl"
    with DynamoDBLocal(port=free_port(), in_memory=True) as local:
        os.environ.update(environment(local.endpoint, log_path))
        meter, bank_name = run(local.endpoint, log_path)
    print(f"bank: {bank_name}")
    print(f"{'step':<58} {'calls':>5} {'RRU':>6} {'WRU':>6}")
    for name in meter.totals:
        row = meter.mean(name)
        print(f"{name:<58} {row.get('calls', 0):>5g} {row.get('rru', 0):>6g} {row.get('wru', 0):>6g}")


if __name__ == "__main__":
    main()
