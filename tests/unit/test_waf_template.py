"""infra/waf.json: the WAF in front of the API stage limits requests per IP (docs/deploy.md)."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from cfnlint.api import ManualArgs, lint_file

from chalicelib.messages import ERROR_MESSAGES
from scripts.deploy import api_stage_arn

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "infra" / "waf.json").read_text(encoding="utf-8"))
PARAMETERS = TEMPLATE["Parameters"]
RESOURCES = TEMPLATE["Resources"]
WEB_ACL = RESOURCES["WebAcl"]["Properties"]
# The rule that only exists behind the CDN is an Fn::If (tests/unit/test_static_site.py).
RULES = {rule["Name"]: rule for rule in WEB_ACL["Rules"] if "Name" in rule}
# WAF takes 10..2,000,000,000 requests per evaluation window; older documentation says 100.
MIN_LIMIT, MAX_LIMIT = 100, 2_000_000_000
TOO_MANY_ATTEMPTS = "Bạn thao tác quá nhiều lần. Vui lòng thử lại sau ít phút."


def resolve(value: Any) -> Any:
    """A {"Ref": parameter} as CloudFormation resolves it without overrides: the default."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return PARAMETERS[value["Ref"]]["Default"]
    return value


def transform(value: str, transformations: list[dict[str, Any]]) -> str:
    for step in sorted(transformations, key=lambda t: t["Priority"]):
        if step["Type"] == "URL_DECODE":
            value = unquote(value)
        elif step["Type"] == "NORMALIZE_PATH":  # multiple slashes, ./ and ../
            normal = posixpath.normpath(re.sub("/{2,}", "/", value))
            value = normal + "/" if value.endswith("/") and normal != "/" else normal
        else:
            assert step["Type"] == "NONE", step
    return value


def matches(statement: dict[str, Any], method: str, path: str) -> bool:
    """Enough of WAF's statement evaluation for the scope-down statement of this template."""
    ((kind, body),) = statement.items()
    if kind == "OrStatement":
        return any(matches(s, method, path) for s in body["Statements"])
    if kind == "AndStatement":
        return all(matches(s, method, path) for s in body["Statements"])
    ((field, _),) = body["FieldToMatch"].items()
    value = transform({"Method": method, "UriPath": path}[field], body["TextTransformations"])
    if kind == "ByteMatchStatement":
        assert body["PositionalConstraint"] == "EXACTLY"
        return value == body["SearchString"]
    if kind == "RegexMatchStatement":
        return re.search(body["RegexString"], value) is not None
    raise AssertionError(f"statement not understood by this test: {kind}")


def test_a_cloudformation_template_with_a_regional_web_acl_on_the_stage():
    assert TEMPLATE["AWSTemplateFormatVersion"] == "2010-09-09"
    assert {name: r["Type"] for name, r in RESOURCES.items()} == {
        "WebAcl": "AWS::WAFv2::WebACL",
        "WebAclAssociation": "AWS::WAFv2::WebACLAssociation",
    }
    # REGIONAL unless told (scripts/deploy.py --api rest passes no Scope): on the REST API's stage
    assert WEB_ACL["Scope"] == {"Ref": "Scope"} and PARAMETERS["Scope"]["Default"] == "REGIONAL"
    assert RESOURCES["WebAclAssociation"]["Condition"] == "Regional"
    assert TEMPLATE["Conditions"]["Regional"] == {"Fn::Equals": [{"Ref": "Scope"}, "REGIONAL"]}
    assert WEB_ACL["DefaultAction"] == {"Allow": {}}
    assert TEMPLATE["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert set(PARAMETERS) == {
        "NamePrefix",
        "Scope",
        "ApiStageArn",
        "RateLimit",
        "SignInRateLimit",
        "BehindCdn",
        "OriginSecret",
    }


def test_the_association_takes_the_stage_arn_that_deploy_builds():
    association = RESOURCES["WebAclAssociation"]["Properties"]
    assert association == {
        "ResourceArn": {"Ref": "ApiStageArn"},
        "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
    }
    pattern = PARAMETERS["ApiStageArn"]["AllowedPattern"]
    deployed = {
        "resources": [
            {
                "resource_type": "rest_api",
                "rest_api_id": "a1b2c3d4e5",
                "rest_api_url": "https://a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com/api/",
            }
        ]
    }
    arn = api_stage_arn(deployed, "ap-southeast-1")
    assert arn == "arn:aws:apigateway:ap-southeast-1::/restapis/a1b2c3d4e5/stages/api"
    assert re.fullmatch(pattern, arn)
    assert not re.fullmatch(pattern, "arn:aws:apigateway:ap-southeast-1::/restapis/a1b2c3d4e5")
    assert re.fullmatch(pattern, "")  # Scope CLOUDFRONT: no stage
    assert "Default" not in PARAMETERS["ApiStageArn"]  # REGIONAL must name it (and CLOUDFRONT says "")


@pytest.mark.parametrize("rule_name", ["sign-in-per-ip", "all-requests-per-ip"])
def test_rate_rules_count_per_ip_over_5_minutes_with_limits_waf_accepts(rule_name):
    statement = RULES[rule_name]["Statement"]["RateBasedStatement"]
    # per IP; behind the CDN per the viewer address it forwards (X-Viewer-Ip)
    assert statement["AggregateKeyType"] == {"Fn::If": ["BehindCdn", "FORWARDED_IP", "IP"]}
    assert statement["EvaluationWindowSec"] == 300
    parameter = PARAMETERS[statement["Limit"]["Ref"]]
    assert parameter["Type"] == "Number"
    limit = resolve(statement["Limit"])
    assert isinstance(limit, int) and not isinstance(limit, bool)
    assert MIN_LIMIT <= parameter["MinValue"] <= limit <= parameter["MaxValue"] <= MAX_LIMIT
    assert str(limit) in parameter["Description"]  # the default is explained where it is set


def test_the_sign_in_rule_is_the_tighter_one_and_comes_first():
    sign_in = RULES["sign-in-per-ip"]["Statement"]["RateBasedStatement"]
    every = RULES["all-requests-per-ip"]["Statement"]["RateBasedStatement"]
    assert resolve(sign_in["Limit"]) < resolve(every["Limit"])
    assert "ScopeDownStatement" not in every
    assert RULES["sign-in-per-ip"]["Priority"] < RULES["all-requests-per-ip"]["Priority"]
    assert len({rule["Priority"] for rule in RULES.values()}) == len(RULES)


SIGN_IN_REQUESTS = [
    ("POST", "/api/sessions"),
    ("POST", "/api/participants"),
    ("POST", "/api/phone-codes"),
    ("GET", "/api/challenge"),
    ("POST", "/sessions"),  # a custom domain without the stage in the path
    ("GET", "/challenge"),
    ("POST", "/api/sessions/"),
    ("POST", "/api//participants"),
    ("POST", "/api/%73essions"),
    ("POST", "/api/./phone-codes"),
]
OTHER_REQUESTS = [
    ("GET", "/api/sessions"),
    ("POST", "/api/challenge"),
    ("GET", "/api/participants"),
    ("GET", "/api/contest"),
    ("GET", "/api/"),
    ("GET", "/api/static/app.js"),
    ("POST", "/api/rounds/r1/attempts"),
    ("PUT", "/api/attempts/a1/answers"),
    ("POST", "/api/attempts/a1/submit"),
    ("POST", "/api/admin/participants/x/sessions"),
]


@pytest.mark.parametrize(("method", "path"), SIGN_IN_REQUESTS + OTHER_REQUESTS)
def test_the_sign_in_rule_counts_only_sign_in_and_registration(method, path):
    scope = RULES["sign-in-per-ip"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    assert matches(scope, method, path) is ((method, path) in SIGN_IN_REQUESTS)


def test_blocked_requests_get_429_with_our_json_error():
    bodies = WEB_ACL["CustomResponseBodies"]
    for rule in RULES.values():
        response = rule["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert {"Name": "Cache-Control", "Value": "no-store"} in response["ResponseHeaders"]
        body = bodies[response["CustomResponseBodyKey"]]
        assert body["ContentType"] == "APPLICATION_JSON"
        assert len(body["Content"].encode("utf-8")) <= 4096  # WAF's limit for one body
        assert json.loads(body["Content"]) == {
            "error": {"code": "TOO_MANY_ATTEMPTS", "message": TOO_MANY_ATTEMPTS}
        }
    # the same text as the app's own TOO_MANY_ATTEMPTS, when the app has that code
    assert ERROR_MESSAGES.get("TOO_MANY_ATTEMPTS", TOO_MANY_ATTEMPTS) == TOO_MANY_ATTEMPTS


def test_metrics_and_sampled_requests_are_on_with_distinct_names():
    configs = [WEB_ACL["VisibilityConfig"]] + [rule["VisibilityConfig"] for rule in RULES.values()]
    for config in configs:
        assert config["CloudWatchMetricsEnabled"] is True and config["SampledRequestsEnabled"] is True
    names = [config["MetricName"]["Fn::Sub"] for config in configs]
    assert len(set(names)) == len(names) and all(name.startswith("${NamePrefix}-") for name in names)
    assert len(RULES) == 2 and len(WEB_ACL["Rules"]) == 3  # + only-through-the-cdn, behind the CDN


@pytest.mark.parametrize("name", ["waf.json", "tables.json"])
def test_cfn_lint_finds_no_errors(name):
    matches = lint_file(ROOT / "infra" / name, config=ManualArgs(regions=["ap-southeast-1"]))
    errors = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.severity == "error"]
    assert errors == []


def with_conditions(value: Any, conditions: dict[str, bool]) -> Any:
    """The template as CloudFormation sees it for these conditions: Fn::If taken, NoValue gone."""
    if isinstance(value, list):
        items = [with_conditions(item, conditions) for item in value]
        return [item for item in items if item is not NO_VALUE]
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, then, otherwise = value["Fn::If"]
            return with_conditions(then if conditions[name] else otherwise, conditions)
        if value == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        items = {key: with_conditions(item, conditions) for key, item in value.items()}
        return {key: item for key, item in items.items() if item is not NO_VALUE}
    return value


NO_VALUE = object()
CLOUDFRONT = {"BehindCdn": False, "Regional": False}  # what scripts/deploy.py --api http deploys


def test_for_the_distribution_it_counts_the_viewers_own_address_without_the_origin_secret():
    acl = with_conditions(WEB_ACL, CLOUDFRONT)
    assert [rule["Name"] for rule in acl["Rules"]] == ["sign-in-per-ip", "all-requests-per-ip"]
    for rule in acl["Rules"]:
        statement = rule["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "IP" and "ForwardedIPConfig" not in statement
    # and it is set on the distribution, not associated with a stage
    assert RESOURCES["WebAclAssociation"]["Condition"] == "Regional" and not CLOUDFRONT["Regional"]


def test_the_template_refuses_a_cloudfront_web_acl_with_regional_settings():
    rules = TEMPLATE["Rules"]
    regional = rules["RegionalNeedsTheApiStage"]
    assert regional["RuleCondition"] == {"Fn::Equals": [{"Ref": "Scope"}, "REGIONAL"]}
    assert regional["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiStageArn"}, ""]}]}
    cloudfront = rules["CloudFrontCountsTheViewersOwnAddress"]
    assert cloudfront["RuleCondition"] == {"Fn::Equals": [{"Ref": "Scope"}, "CLOUDFRONT"]}
    assert [a["Assert"] for a in cloudfront["Assertions"]] == [
        {"Fn::Equals": [{"Ref": "BehindCdn"}, "false"]},
        {"Fn::Equals": [{"Ref": "ApiStageArn"}, ""]},
    ]
    assert PARAMETERS["Scope"]["AllowedValues"] == ["REGIONAL", "CLOUDFRONT"]


def test_the_sign_in_rule_matches_the_paths_the_distribution_sees_for_the_apps_sign_in_routes():
    """At CloudFront the path is the viewer's: /api/ and the route (infra/static.json /api/*)."""
    from app import app

    scope = RULES["sign-in-per-ip"]["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    sign_in = {
        ("POST", "/sessions"),
        ("POST", "/participants"),
        ("POST", "/phone-codes"),
        ("GET", "/challenge"),
    }
    for method, path in sign_in:
        assert method in app.routes[path]  # the app still has them where the rule looks
        assert matches(scope, method, "/api" + path)


def test_cfn_lint_finds_no_errors_for_the_cloudfront_web_acl_in_us_east_1():
    matches = lint_file(ROOT / "infra" / "waf.json", config=ManualArgs(regions=["us-east-1"]))
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []
