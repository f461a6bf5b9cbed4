"""infra/http_api.json: the HTTP API in front of the API's Lambda function (docs/deploy.md, "HTTP
API"). Its routes come from app.routes through scripts/http_api.py, so a route added without
regenerating the template fails here; and the app answers the payload-1.0 events it sends."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file

from chalicelib.http import HTTP_METHODS
from scripts import http_api
from scripts.deploy import API_STAGE
from tests.api.conftest import ADMIN, api  # noqa: F401  (the API tests' seeded contest)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FILE = ROOT / "infra" / "http_api.json"
TEMPLATE = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))
RESOURCES = TEMPLATE["Resources"]
ROUTES = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::ApiGatewayV2::Route"}
CLOUDFORMATION_TEMPLATE_BODY_LIMIT = 51_200  # bytes of TemplateBody in one request


@pytest.fixture(scope="module")
def app_routes() -> dict[str, dict[str, Any]]:
    from app import app

    return app.routes


def matching_routes(route_keys: list[str], method: str, path: str) -> list[str]:
    """The route keys an HTTP API would pick for a request to a route template of the app:
    the method's own route wins over ANY (path parameters match the same template)."""
    exact = [key for key in route_keys if key == f"{method} {path}"]
    return exact or [key for key in route_keys if key == f"ANY {path}"]


def test_the_committed_template_is_what_the_generator_makes_from_todays_routes(app_routes):
    # a new route of the app without `.venv/bin/python scripts/http_api.py` fails here
    assert TEMPLATE_FILE.read_text(encoding="utf-8") == http_api.render(app_routes, HTTP_METHODS)
    assert http_api.main(["--check"]) == 0


def test_every_method_and_path_of_the_app_has_exactly_one_http_api_route(app_routes):
    keys = [route["RouteKey"] for route in ROUTES.values()]
    assert len(keys) == len(set(keys))
    for path, methods in app_routes.items():
        for method in methods:
            assert len(matching_routes(keys, method, path)) == 1, (method, path)
    # and no route leads to a path the app does not have, but $default (the app's 404)
    assert {key.split(" ", 1)[1] for key in keys if key != http_api.DEFAULT_ROUTE} == set(app_routes)
    assert http_api.DEFAULT_ROUTE in keys
    assert all(route["Target"] == {"Fn::Sub": "integrations/${Integration}"} for route in ROUTES.values())


def test_a_path_serving_only_some_methods_gets_one_route_per_method():
    routes = {"/a": {"GET": None}, "/b/{id}": dict.fromkeys(HTTP_METHODS)}
    assert http_api.route_keys(routes, HTTP_METHODS) == ["GET /a", "ANY /b/{id}"]
    assert http_api.logical_id("ANY /b/{id}") == "RouteAnyBWithId"
    assert http_api.logical_id("GET /") == "RouteGetRoot"


def test_the_routes_stay_under_the_http_api_quota_and_the_template_under_cloudformations_limit():
    assert len(ROUTES) < http_api.ROUTES_QUOTA == 300
    compact = json.dumps(TEMPLATE, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(compact) <= CLOUDFORMATION_TEMPLATE_BODY_LIMIT  # scripts/deploy.py sends it compact
    assert len(RESOURCES) <= 500  # resources per template


def test_too_many_routes_are_refused_before_a_deploy_fails():
    routes = {f"/p{i}": {"GET": None} for i in range(http_api.ROUTES_QUOTA)}
    with pytest.raises(SystemExit, match="at most 300"):
        http_api.template(routes, HTTP_METHODS)


def test_a_lambda_proxy_integration_of_payload_1_0_in_front_of_the_function_given():
    assert RESOURCES["HttpApi"]["Properties"]["ProtocolType"] == "HTTP"
    assert RESOURCES["HttpApi"]["Properties"]["DisableExecuteApiEndpoint"] is False  # the CDN's origin
    integration = RESOURCES["Integration"]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "1.0"  # Chalice reads requestContext.resourcePath
    assert integration["IntegrationUri"] == {"Ref": "FunctionArn"}
    assert integration["TimeoutInMillis"] <= 30000  # HTTP APIs' maximum
    pattern = TEMPLATE["Parameters"]["FunctionArn"]["AllowedPattern"]
    assert re.fullmatch(pattern, "arn:aws:lambda:ap-southeast-1:123456789012:function:songcong-contest-prod")


def test_the_stage_is_api_like_the_rest_apis_so_the_cdns_paths_stay_the_same():
    stage = RESOURCES["Stage"]["Properties"]
    assert stage["StageName"] == API_STAGE == "api"
    assert stage["AutoDeploy"] is True
    throttling = stage["DefaultRouteSettings"]
    parameters = TEMPLATE["Parameters"]
    assert parameters[throttling["ThrottlingBurstLimit"]["Ref"]]["Default"] == 5000
    assert parameters[throttling["ThrottlingRateLimit"]["Ref"]]["Default"] == 10000
    url = TEMPLATE["Outputs"]["HttpApiUrl"]["Value"]["Fn::Sub"]
    assert url.endswith("/api/") and url.startswith("https://${HttpApi}.execute-api.")


def test_only_this_api_may_invoke_the_function():
    permission = RESOURCES["InvokePermission"]["Properties"]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": "FunctionArn"}
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${HttpApi}/*")


def test_cfn_lint_finds_nothing():
    matches = lint_file(TEMPLATE_FILE, config=ManualArgs(regions=["ap-southeast-1"]))
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


# --- the app answers what the HTTP API sends ------------------------------------------------------


def payload_1_0_event(
    method: str, route: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
) -> dict[str, Any]:
    """An HTTP API request in payload format 1.0 as AWS documents it (http-api-develop-integrations-
    lambda.html): ``resource`` and ``requestContext.resourcePath`` are the route's path, ``path``
    and ``requestContext.path`` the request's with the stage; header names in lower case."""
    headers = {"host": "abc123.execute-api.ap-southeast-1.amazonaws.com", **(headers or {})}
    values = (
        {name: value for name, value in zip(route.split("/"), path.split("/"), strict=True) if name != value}
        if route.startswith("/")
        else {}  # $default
    )
    return {
        "version": "1.0",
        "resource": route,
        "path": f"/{API_STAGE}{path}",
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": headers["host"],
            "domainPrefix": "abc123",
            "extendedRequestId": "request-id",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"},
            "path": f"/{API_STAGE}{path}",
            "protocol": "HTTP/1.1",
            "requestId": "id=",
            "requestTime": "15/Dec/2021:03:00:00 +0000",
            "requestTimeEpoch": 1639537200000,
            "resourceId": None,
            "resourcePath": route,
            "stage": API_STAGE,
        },
        "pathParameters": {name.strip("{}"): value for name, value in values.items()} or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": False,
    }


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """The API's Lambda handler called as Lambda calls it: app.app(event, context)."""
    from app import app

    context = SimpleNamespace(
        function_name="songcong-contest-test",
        aws_request_id="request-1",
        get_remaining_time_in_millis=lambda: 29000,
    )
    return app(event, context)


def test_the_app_answers_get_contest_sent_by_the_http_api(api):  # noqa: F811
    reply = invoke(payload_1_0_event("GET", "/contest", "/contest"))
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("application/json")
    assert reply.get("isBase64Encoded", False) is False  # a text body, as is
    assert json.loads(reply["body"])["rounds"]


def test_the_app_answers_a_route_with_a_path_parameter_sent_by_the_http_api(api):  # noqa: F811
    round_id = json.loads(invoke(payload_1_0_event("GET", "/contest", "/contest"))["body"])["rounds"][0]["id"]
    event = payload_1_0_event(
        "GET",
        "/admin/rounds/{round_id}/stats",
        f"/admin/rounds/{round_id}/stats",
        headers={name.lower(): value for name, value in ADMIN.items()},
    )
    assert event["pathParameters"] == {"round_id": round_id}
    reply = invoke(event)
    assert reply["statusCode"] == 200, reply["body"]
    assert isinstance(json.loads(reply["body"]), dict)


def test_an_unserved_method_on_an_any_route_gets_our_405(api):  # noqa: F811
    reply = invoke(payload_1_0_event("DELETE", "/contest", "/contest"))
    assert reply["statusCode"] == 405
    assert json.loads(reply["body"])["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_the_poster_comes_back_base64_encoded_which_an_http_api_decodes(api):  # noqa: F811
    reply = invoke(
        payload_1_0_event("GET", "/poster.pdf", "/poster.pdf", headers={"accept": "application/pdf"})
    )
    assert reply["statusCode"] == 200
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]).startswith(b"%PDF-")


def test_a_path_no_route_serves_gets_our_404_through_the_default_route(api):  # noqa: F811
    # the HTTP API's $default route sends it to the function, whatever the path
    reply = invoke(payload_1_0_event("GET", "$default", "/wp-login.php"))
    assert reply["statusCode"] == 404
    assert json.loads(reply["body"])["error"]["code"] == "NOT_FOUND"
    assert json.loads(reply["body"])["error"]["message"] == "Không tìm thấy địa chỉ này."


def test_the_smoke_tests_path_parameter_check_gets_our_404_through_the_http_api(api):  # noqa: F811
    # scripts/deploy.py smoke_test expects exactly this of a working stage
    reply = invoke(payload_1_0_event("GET", "/certificates/{code}", "/certificates/SMOKE-TEST"))
    assert reply["statusCode"] == 404
    assert reply["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(reply["body"])["error"]["code"] == "CERTIFICATE_NOT_FOUND"
