"""Counts the DynamoDB calls of each participant operation, on moto in-process.

Every call PynamoDB makes goes through ``Connection.dispatch``; this script wraps it, runs
a participant's journey through the Chalice app and prints the calls per step. The contest
configuration and question bank are cached in a warm Lambda, so the first request of the
journey warms them and is reported apart.

Usage: .venv/bin/python benchmarks/dynamodb_calls.py
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "STAGE": "bench",
        "TABLE_PREFIX": "songcong-bench",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT", None)

import boto3
from chalice.test import Client
from moto import mock_aws
from pynamodb.connection.base import Connection

from chalicelib.clock import FixedClock
from chalicelib.container import build_services, use_services
from chalicelib.data.repository import Repository
from chalicelib.domain.timing import parse_iso
from chalicelib.seeding import load_source, seed
from chalicelib.settings import get_settings
from infra.table_specs import create_tables
from tests.altcha_solver import solve

CALLS: Counter[str] = Counter()
_original_dispatch = Connection.dispatch


def _counting_dispatch(self, operation_name, operation_kwargs):
    CALLS[operation_name] += 1
    return _original_dispatch(self, operation_name, operation_kwargs)


def measure(label: str, action) -> object:
    CALLS.clear()
    result = action()
    calls = ", ".join(f"{n} {op}" for op, n in sorted(CALLS.items())) or "none"
    print(f"{label:<34} {sum(CALLS.values()):>3} call(s): {calls}")
    return result


def main() -> None:
    Connection.dispatch = _counting_dispatch
    with mock_aws():
        create_tables(boto3.client("dynamodb"), get_settings().table_prefix)
        clock = FixedClock(parse_iso("2021-12-15T10:00:00+07:00"))
        contest, questions = load_source()
        seed(Repository(), contest, questions, clock.now_ms())
        use_services(build_services(clock=clock))
        from app import app

        headers = {"Content-Type": "application/json"}
        person = {
            "national_id": "019085123456",
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "1985-05-10",
            "gender": "male",
            "phone": "0912345678",
            "unit_id": "bach-quang",
            "workplace": "",
            "consent": True,
        }
        with Client(app) as client:
            http = client.http
            measure("GET /contest (cold: fills caches)", lambda: http.get("/contest"))
            measure("GET /contest (warm)", lambda: http.get("/contest"))
            challenge = measure("GET /challenge", lambda: http.get("/challenge")).json_body
            person["altcha"] = solve(challenge)
            registered = measure(
                "POST /participants",
                lambda: http.post("/participants", body=json.dumps(person), headers=headers),
            )
            auth = {**headers, "Authorization": "Bearer " + registered.json_body["token"]}
            credentials = {"national_id": person["national_id"], "phone": person["phone"]}
            measure(
                "POST /sessions",
                lambda: http.post("/sessions", body=json.dumps(credentials), headers=headers),
            )
            started = measure(
                "POST /rounds/r1/attempts (new; +bank)",
                lambda: http.post("/rounds/r1/attempts", body="{}", headers=auth),
            )
            attempt = started.json_body
            measure(
                "POST /rounds/r1/attempts (resume)",
                lambda: http.post("/rounds/r1/attempts", body="{}", headers=auth),
            )
            answers = {}
            totals: Counter[str] = Counter()
            for question in attempt["questions"]:
                answers[question["id"]] = question["options"][0]["id"]
                body = json.dumps({"answers": answers, "prediction": 1000})
                CALLS.clear()
                http.put(f"/attempts/{attempt['attempt_id']}/answers", body=body, headers=auth)
                totals.update(CALLS)
            per_save = ", ".join(f"{n / 20:g} {op}" for op, n in sorted(totals.items()))
            print(f"{'PUT answers (mean of 20)':<34} {sum(totals.values()) / 20:>3g} call(s): {per_save}")
            path = f"/attempts/{attempt['attempt_id']}/submit"
            measure("POST submit", lambda: http.post(path, body="{}", headers=auth))
            measure("POST submit (repeated)", lambda: http.post(path, body="{}", headers=auth))
            measure("GET /me", lambda: http.get("/me", headers=auth))
    Connection.dispatch = _original_dispatch


if __name__ == "__main__":
    main()
