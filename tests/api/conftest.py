"""API tests: the Chalice app through ``chalice.test.Client`` over moto, with tables
built from infra/tables.json, the real contest and a small bank of test questions seeded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.clock import FixedClock
from chalicelib.container import Services, build_services, use_services
from chalicelib.data import models
from chalicelib.data.repository import Repository
from chalicelib.domain.timing import parse_iso
from chalicelib.seeding import load_source, seed
from chalicelib.settings import get_settings
from infra.table_specs import create_tables
from tests.altcha_solver import solve
from tests.bank_factory import synthetic_bank

ROUND1_OPEN = parse_iso("2021-12-15T10:00:00+07:00")
ADMIN = {"Authorization": "Bearer " + get_settings().admin_token}
_MODELS = [
    m
    for m in vars(models).values()
    if isinstance(m, type) and issubclass(m, models.Model) and m is not models.Model
]


@dataclass
class ApiHarness:
    client: Client
    clock: FixedClock
    services: Services

    def post(
        self,
        path: str,
        body: object = None,
        token: str | None = None,
        raw: str | None = None,
        headers: dict | None = None,
    ):
        if path == "/participants" and isinstance(body, dict) and "altcha" not in body:
            body = {**body, "altcha": self.solved_challenge()}
        return self._send("post", path, body, token, raw, headers)

    def delete(self, path: str, body: object = None, headers: dict | None = None):
        return self._send("delete", path, body, None, None, headers)

    def solved_challenge(self) -> str:
        """What the page's widget sends: a registration without ``altcha`` in its body gets
        one solved here; a test of the challenge itself sets the field."""
        return solve(self.get("/challenge").json_body)

    def put(
        self,
        path: str,
        body: object = None,
        token: str | None = None,
        raw: str | None = None,
        headers: dict | None = None,
    ):
        return self._send("put", path, body, token, raw, headers)

    def patch(self, path: str, body: object = None, token: str | None = None, headers: dict | None = None):
        return self._send("patch", path, body, token, None, headers)

    def get(self, path: str, token: str | None = None, headers: dict | None = None):
        return self.client.http.get(path, headers=self._headers(token, headers))

    def with_settings(self, sms=None, **changes: object) -> None:
        """Serve the following requests with changed settings (``limits=...``,
        ``rate_limits=False``), as a deployment with other values would."""
        settings = replace(self.services.settings, **changes)
        self.services = build_services(settings=settings, clock=self.clock, sms=sms)
        use_services(self.services)

    def set_rules(self, **rules: object) -> None:
        """Change the contest's rules as an organizer would in the stored contest (a
        practice contest with ``score_visibility="at_submit"``, say)."""
        item = models.ContestModel.get(self.services.settings.contest_id, "CONTEST")
        item.body = {**item.body, "rules": {**item.body["rules"], **rules}}
        item.save()
        self.services.catalog.forget()

    def drain_stream(self) -> dict:
        """Feed the stream handler what the attempts table's stream would carry: moto has no
        DynamoDB Streams reads, so the MODIFY records of submitted attempts are built from the
        table (the integration tests use the real stream of DynamoDB Local). Repeatable: the
        handler counts each attempt once."""
        table = f"{get_settings().table_prefix}-attempts"
        items = boto3.client("dynamodb").scan(TableName=table)["Items"]
        arn = f"arn:aws:dynamodb:ap-southeast-1:123456789012:table/{table}/stream/2021"
        records = [
            {
                "eventID": str(index),
                "eventName": "MODIFY",
                "eventSource": "aws:dynamodb",
                "awsRegion": "ap-southeast-1",
                "eventSourceARN": arn,
                "dynamodb": {
                    "OldImage": {**item, "status": {"S": "open"}},
                    "NewImage": item,
                    "SequenceNumber": str(index),
                    "ApproximateCreationDateTime": 1640000000,
                    "SizeBytes": 100,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            }
            for index, item in enumerate(items)
            if item.get("status", {}).get("S") == "submitted"
        ]
        return self.client.lambda_.invoke("count-submissions", {"Records": records}).payload

    def _send(self, method, path, body, token, raw, headers=None):
        payload = raw if raw is not None else json.dumps(body if body is not None else {})
        return getattr(self.client.http, method)(path, body=payload, headers=self._headers(token, headers))

    @staticmethod
    def _headers(token: str | None, extra: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra or {})
        return headers


@pytest.fixture
def api() -> Iterator[ApiHarness]:
    with mock_aws():
        for model in _MODELS:
            model._connection = None  # PynamoDB caches its client; rebuild it inside moto
        create_tables(boto3.client("dynamodb"), get_settings().table_prefix)
        clock = FixedClock(ROUND1_OPEN)
        contest, _questions = load_source()
        # question bank (issue 10): a small bank of its own, whatever question_data holds
        seed(Repository(), contest, synthetic_bank(contest), clock.now_ms())
        services = build_services(clock=clock)
        use_services(services)
        from app import app

        with Client(app) as client:
            yield ApiHarness(client, clock, services)
        use_services(None)
        for model in _MODELS:
            model._connection = None
