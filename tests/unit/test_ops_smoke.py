"""The smoke test after a deploy (issue 13, 5) fails loudly on a broken stage."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto import mock_aws

import scripts.deploy as deploy
from scripts.deploy import http_get, schedule_ran_recently, smoke_test

ADMIN = "o" * 48


def stage_server(broken: set[str]) -> ThreadingHTTPServer:
    """A stage on 127.0.0.1 that answers as the app does, except the paths in ``broken`` (500)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.removeprefix("/api")
            if path in broken:
                status, kind, body = 500, "application/json", b'{"error": {"code": "SERVICE_BUSY"}}'
            elif path == "/contest":
                status, kind, body = 200, "application/json", b'{"contest": {}}'
            elif path == "/":
                status, kind, body = 200, "text/html; charset=utf-8", b"<!doctype html>"
            elif path == "/certificates/SMOKE-TEST":
                status, kind, body = 404, "application/json", b'{"error": {"code": "CERTIFICATE_NOT_FOUND"}}'
            elif path == "/admin/organizers" and self.headers.get("Authorization") == f"Bearer {ADMIN}":
                status, kind, body = 200, "application/json", b'{"organizers": []}'
            else:
                status, kind, body = 401, "application/json", b'{"error": {"code": "UNAUTHORIZED"}}'
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def stage():
    servers = []

    def make(broken=()):
        server = stage_server(set(broken))
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/api/"

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def always(name):
    return True


def test_a_working_stage_passes(stage):
    assert smoke_test(stage(), ADMIN, http_get, always) == []


@pytest.mark.parametrize(
    ("broken", "failure"),
    [
        ({"/contest"}, "GET /contest: 500"),
        ({"/"}, "the page: 500"),
        # through an HTTP API whose routes do not reach Chalice as their paths: Chalice's 500
        ({"/certificates/SMOKE-TEST"}, "GET /certificates/{code} (a path parameter): 500"),
    ],
)
def test_a_broken_stage_fails(stage, broken, failure):
    failures = smoke_test(stage(broken), ADMIN, http_get, always)
    assert [f for f in failures if f.startswith(failure)]


def test_a_wrong_operator_credential_fails(stage):
    assert smoke_test(stage(), "wrong" * 10, http_get, always) == [
        "admin GET /admin/organizers: 401 application/json"
    ]


def test_an_unreachable_stage_fails():
    failures = smoke_test("http://127.0.0.1:9/api/", ADMIN, http_get, always)
    assert len(failures) == 4  # the contest, the page, the admin call, the path parameter


class FakeLambda:
    def __init__(self, error: bool):
        self.error, self.invoked = error, []

    def invoke(self, FunctionName, Payload):
        self.invoked.append(FunctionName)
        return {"StatusCode": 200, **({"FunctionError": "Unhandled"} if self.error else {})}


def test_schedules_ran_by_cloudwatch_or_by_invoking_them_on_a_new_stage(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="ap-southeast-1")
        cloudwatch.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Dimensions": [
                        {"Name": "FunctionName", "Value": "songcong-contest-prod-close-and-rank-rounds"}
                    ],
                    "Timestamp": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3),
                    "Value": 1,
                }
            ],
        )
        healthy = FakeLambda(error=False)
        ran = schedule_ran_recently(cloudwatch, healthy, "prod")
        assert ran("close-and-rank-rounds") and healthy.invoked == []
        assert ran("publish-results") and healthy.invoked == ["songcong-contest-prod-publish-results"]
        assert not schedule_ran_recently(cloudwatch, FakeLambda(error=True), "prod")("publish-results")


def test_the_deploy_fails_loudly_when_the_smoke_test_fails(stage, monkeypatch, capsys):
    url = stage({"/contest"})

    class Ssm:
        def get_parameter(self, Name, WithDecryption):
            return {"Parameter": {"Value": ADMIN}}

    d = deploy.Deploy(
        args=type(
            "Args", (), {"stage": "prod", "region": "ap-southeast-1", "no_smoke_test": False, "static": False}
        )(),
        config={},
        table_prefix="songcong-prod",
        deployed={"resources": [{"resource_type": "rest_api", "rest_api_id": "x", "rest_api_url": url}]},
    )
    monkeypatch.setattr(deploy.Deploy, "client", lambda self, service, region=None: Ssm())
    monkeypatch.setattr(deploy, "schedule_ran_recently", lambda cloudwatch, lambda_client, stage: always)
    with pytest.raises(SystemExit, match="SMOKE TEST FAILED"):
        deploy.STEPS[-1].run(d)


def test_behind_the_cdn_the_page_and_the_api_are_checked_through_it(stage):
    # GIVEN a stage whose site (the CDN) is at the root and the API under /api/
    api_url = stage()
    site = api_url.removesuffix("api/")
    # THEN the page and GET /api/contest through the site pass
    assert smoke_test(api_url, ADMIN, http_get, always, site_url=site) == []
    # AND a site that does not serve the page fails, by name
    broken = stage({"/"})
    failures = smoke_test(broken, ADMIN, http_get, always, site_url=broken.removesuffix("api/"))
    assert any(f.startswith("the page") for f in failures)
