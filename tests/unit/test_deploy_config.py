"""The deployment step adds secrets to a build copy of the Chalice config, never to git's."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import boto3
import botocore.exceptions
import pytest
from moto import mock_aws

from chalicelib.messages import ERROR_MESSAGES
from scripts.deploy import (
    api_stage_arn,
    apply_gateway_responses,
    deploy_cdn_waf,
    deploy_http_api,
    deploy_stack,
    deploy_waf,
    deployed_function_arn,
    deployed_rest_api_id,
    main,
    stage_config,
    waf_enabled,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())


def test_prod_stage_gets_parameter_names_and_stream_arn_without_touching_the_source_config():
    merged = stage_config(CONFIG, "prod", "arn:stream", "songcong-prod")
    variables = merged["stages"]["prod"]["environment_variables"]
    assert variables["ATTEMPTS_STREAM_ARN"] == "arn:stream"
    assert variables["STAGE"] == "prod" and variables["TABLE_PREFIX"] == "songcong-prod"
    api = merged["stages"]["prod"]["lambda_functions"]["api_handler"]
    assert api["environment_variables"] == {
        "TOKEN_SECRET_PARAMETER": "/songcong/prod/token-secret",
        "ADMIN_TOKEN_PARAMETER": "/songcong/prod/admin-token",
        "ORIGIN_SECRET_PARAMETER": "/songcong/prod/cdn-origin-secret",
    }
    assert api["reserved_concurrency"] == 400 and api["iam_policy_file"] == "policy-api_handler.json"
    assert "lambda_functions" not in CONFIG["stages"]["dev"]


def test_committed_config_and_build_copy_hold_no_secret_value():
    text = json.dumps(CONFIG)
    assert "ADMIN_TOKEN" not in text and "TOKEN_SECRET" not in text
    merged = json.dumps(stage_config(CONFIG, "prod", "arn:stream", "songcong-prod"))
    assert '"TOKEN_SECRET"' not in merged and '"ADMIN_TOKEN"' not in merged


def test_unknown_stage_is_refused():
    with pytest.raises(SystemExit):
        stage_config(CONFIG, "staging", "arn", "songcong-staging")


def test_gateway_refusals_get_our_error_shape_and_the_stage_is_redeployed():
    with mock_aws():
        apigateway = boto3.client("apigateway", region_name="ap-southeast-1")
        rest_api_id = apigateway.create_rest_api(name="songcong-contest")["id"]
        root = apigateway.get_resources(restApiId=rest_api_id)["items"][0]["id"]
        apigateway.put_method(
            restApiId=rest_api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
        )
        apigateway.put_integration(restApiId=rest_api_id, resourceId=root, httpMethod="GET", type="MOCK")
        deployed = {"resources": [{"resource_type": "rest_api", "rest_api_id": rest_api_id}]}

        apply_gateway_responses(apigateway, deployed_rest_api_id(deployed))

        responses = {
            item["responseType"]: item
            for item in apigateway.get_gateway_responses(restApiId=rest_api_id)["items"]
        }
        unknown_path = responses["MISSING_AUTHENTICATION_TOKEN"]
        assert unknown_path["statusCode"] == "404"
        body = json.loads(unknown_path["responseTemplates"]["application/json"])
        assert body == {"error": {"code": "NOT_FOUND", "message": ERROR_MESSAGES["NOT_FOUND"]}}
        assert responses["THROTTLED"]["statusCode"] == "429"
        server_error = json.loads(responses["DEFAULT_5XX"]["responseTemplates"]["application/json"])
        assert server_error["error"]["code"] == "SERVICE_BUSY"
        assert [d["id"] for d in apigateway.get_deployments(restApiId=rest_api_id)["items"]]


def test_a_deploy_without_a_rest_api_is_refused():
    with pytest.raises(SystemExit):
        deployed_rest_api_id({"resources": [{"resource_type": "lambda_function"}]})


@pytest.fixture
def no_secret_in_env(monkeypatch):
    monkeypatch.delenv("TOKEN_SECRET", raising=False)


@pytest.mark.parametrize(
    ("args", "waf_stack"),
    [
        (["--stage", "prod", "--api", "rest"], "songcong-prod-waf"),
        (["--stage", "dev", "--waf", "--api", "rest"], "songcong-dev-waf"),
    ],
)
def test_with_the_rest_api_the_waf_goes_on_its_stage_after_chalice_for_prod_or_with_the_flag(
    no_secret_in_env, capsys, args, waf_stack
):
    assert main([*args, "--dry-run"]) == 0
    steps = capsys.readouterr().out.splitlines()
    assert steps[4].startswith("5. chalice deploy")
    assert "; then no HTTP API (--api rest" in steps[5]
    assert steps[-3].startswith(f"8. CloudFormation stack {waf_stack} from infra/waf.json")
    assert "/restapis/<api-id>/stages/api" in steps[-3]  # the API Gateway stage, not the Chalice one
    assert "10000 requests, 1000 to sign-in" in steps[-3]
    assert steps[-2].startswith(
        f"9. CloudFormation stack {waf_stack.replace('-waf', '-static')} from infra/static.json"
    )
    assert "/api/ to the REST API" in steps[-2] and "WAF" not in steps[-2]
    assert steps[-1].startswith("10. smoke test")


@pytest.mark.parametrize(
    ("args", "prefix"),
    [(["--stage", "prod"], "songcong-prod"), (["--stage", "dev", "--waf"], "songcong-dev")],
)
def test_by_default_the_http_api_is_the_cdns_origin_and_the_waf_goes_on_the_distribution(
    no_secret_in_env, capsys, args, prefix
):
    assert main([*args, "--dry-run"]) == 0
    steps = capsys.readouterr().out.splitlines()
    # after chalice deploy (the function) and API Gateway's responses, before the WAF and static
    assert steps[5].startswith("6. API Gateway's own refusals")
    assert f"; then CloudFormation stack {prefix}-http-api from infra/http_api.json" in steps[5]
    assert steps[-3].startswith(f"8. CloudFormation stack {prefix}-cdn-waf from infra/waf.json in us-east-1")
    assert "Scope CLOUDFRONT" in steps[-3] and "10000 requests, 1000 to sign-in" in steps[-3]
    assert steps[-2].startswith(f"9. CloudFormation stack {prefix}-static from infra/static.json")
    assert "/api/ to the HTTP API" in steps[-2] and steps[-2].endswith("the WAF on the distribution")


@pytest.mark.parametrize(
    ("args", "stack"),
    [
        (["--stage", "dev"], "songcong-dev-cdn-waf"),
        (["--stage", "prod", "--no-waf"], "songcong-prod-cdn-waf"),
        (["--stage", "prod", "--no-waf", "--api", "rest"], "songcong-prod-waf"),
    ],
)
def test_dry_run_without_the_waf_for_dev_or_with_no_waf(no_secret_in_env, capsys, args, stack):
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "infra/waf.json" not in out and out.splitlines()[-3].startswith("8. no WAF")
    assert f"{stack}, if made before, stays" in out.splitlines()[-3]
    assert "WAF" not in out.splitlines()[-2]  # the distribution gets none


def test_dry_run_without_the_static_site_says_the_api_serves_the_pages(no_secret_in_env, capsys):
    assert main(["--stage", "prod", "--dry-run", "--no-static"]) == 0
    steps = capsys.readouterr().out.splitlines()
    assert steps[-2].startswith("9. no static site (--no-static)")
    # no distribution to send /api/ to an HTTP API: the REST API, and its WAF on its stage
    assert "; then no HTTP API (--no-static" in steps[5]
    assert steps[-3].startswith("8. CloudFormation stack songcong-prod-waf from infra/waf.json")


def test_an_unknown_api_is_refused(no_secret_in_env):
    with pytest.raises(SystemExit):
        main(["--stage", "prod", "--dry-run", "--api", "websocket"])


def test_dry_run_shows_limits_given_on_the_command_line(no_secret_in_env, capsys):
    main(["--stage", "prod", "--dry-run", "--waf-rate-limit", "20000", "--waf-sign-in-rate-limit", "1500"])
    assert "20000 requests, 1500 to sign-in" in capsys.readouterr().out


@pytest.mark.parametrize("limit", ["99", "2000000001"])
def test_waf_limits_out_of_range_are_refused_before_anything_runs(no_secret_in_env, limit):
    with pytest.raises(SystemExit):
        main(["--stage", "prod", "--dry-run", "--waf-rate-limit", limit])


def test_waf_is_on_for_prod_only_unless_a_flag_says_otherwise():
    assert waf_enabled("prod", None) and not waf_enabled("dev", None)
    assert waf_enabled("dev", True) and not waf_enabled("prod", False)


def test_stage_arn_uses_the_region_and_stage_chalice_deployed_to():
    url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/api/"
    deployed = {
        "resources": [{"resource_type": "rest_api", "rest_api_id": "a1b2c3d4e5", "rest_api_url": url}]
    }
    assert api_stage_arn(deployed, "ap-southeast-1") == (
        "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/api"
    )
    del deployed["resources"][0]["rest_api_url"]
    assert api_stage_arn(deployed, "ap-southeast-1") == (
        "arn:aws:apigateway:ap-southeast-1::/restapis/a1b2c3d4e5/stages/api"
    )


class FakeCloudFormation:
    """The calls deploy_stack makes, recorded; moto's CloudFormation has no WAFv2 resources."""

    exceptions = botocore.exceptions

    def __init__(self, exists: bool):
        self.exists = exists
        self.calls: list[tuple[str, dict]] = []

    def describe_stacks(self, StackName):
        if not self.exists:
            self.exists = True
            raise botocore.exceptions.ClientError({"Error": {"Code": "ValidationError"}}, "DescribeStacks")
        return {"Stacks": [{"Outputs": [{"OutputKey": "WebAclArn", "OutputValue": "arn:waf"}]}]}

    def create_stack(self, **kwargs):
        self.calls.append(("create_stack", kwargs))

    def update_stack(self, **kwargs):
        self.calls.append(("update_stack", kwargs))

    def get_waiter(self, name):
        return SimpleNamespace(wait=lambda StackName: self.calls.append((name, {"StackName": StackName})))


@pytest.mark.parametrize(("exists", "call"), [(False, "create_stack"), (True, "update_stack")])
def test_waf_stack_gets_the_stage_arn_and_only_the_limits_given(monkeypatch, exists, call):
    cloudformation = FakeCloudFormation(exists)
    regions = []
    monkeypatch.setattr(
        boto3, "client", lambda service, region_name: regions.append(region_name) or cloudformation
    )
    stage_arn = "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/api"

    assert deploy_waf(
        "songcong-prod", stage_arn, {"waf_rate_limit": 20000, "waf_sign_in_rate_limit": None}
    ) == ("arn:waf")

    assert regions == ["eu-west-1"]  # a REGIONAL web ACL lives in its API's region
    name, request = cloudformation.calls[0]
    assert name == call and request["StackName"] == "songcong-prod-waf"
    assert json.loads(request["TemplateBody"])["Resources"]["WebAcl"]["Type"] == "AWS::WAFv2::WebACL"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in request["Parameters"]} == {
        "NamePrefix": "songcong-prod",
        "ApiStageArn": stage_arn,
        "RateLimit": "20000",
    }


DEPLOYED = {
    "resources": [
        {
            "name": "api_handler",
            "resource_type": "lambda_function",
            "lambda_arn": "arn:aws:lambda:eu-west-1:123456789012:function:songcong-contest-prod",
        },
        {
            "name": "rest_api",
            "resource_type": "rest_api",
            "rest_api_id": "a1b2c3d4e5",
            "rest_api_url": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/api/",
        },
    ]
}


def test_the_http_api_fronts_the_api_handler_function_chalice_recorded():
    assert deployed_function_arn(DEPLOYED) == DEPLOYED["resources"][0]["lambda_arn"]
    with pytest.raises(SystemExit):
        deployed_function_arn({"resources": [{"resource_type": "lambda_function", "name": "build-export"}]})


class FakeStackOutputs(FakeCloudFormation):
    def __init__(self, outputs: dict[str, str]):
        super().__init__(exists=False)
        self.outputs = outputs

    def describe_stacks(self, StackName):
        super().describe_stacks(StackName)
        return {
            "Stacks": [{"Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]}]
        }


def test_the_http_api_stack_is_made_in_the_functions_region_with_its_arn(monkeypatch):
    cloudformation = FakeStackOutputs({"HttpApiUrl": "https://h1.execute-api.eu-west-1.amazonaws.com/api/"})
    regions = []
    monkeypatch.setattr(
        boto3, "client", lambda service, region_name: regions.append(region_name) or cloudformation
    )

    outputs = deploy_http_api("songcong-prod", deployed_function_arn(DEPLOYED))

    assert outputs == {"HttpApiUrl": "https://h1.execute-api.eu-west-1.amazonaws.com/api/"}
    assert regions == ["eu-west-1"]  # where chalice put the function, whatever --region says
    name, request = cloudformation.calls[0]
    assert name == "create_stack" and request["StackName"] == "songcong-prod-http-api"
    assert (
        json.loads(request["TemplateBody"])["Resources"]["Integration"]["Properties"]["PayloadFormatVersion"]
        == "1.0"
    )
    assert {p["ParameterKey"]: p["ParameterValue"] for p in request["Parameters"]} == {
        "NamePrefix": "songcong-prod",
        "FunctionArn": DEPLOYED["resources"][0]["lambda_arn"],
    }


def test_the_distributions_waf_is_a_cloudfront_web_acl_made_in_us_east_1(monkeypatch):
    cloudformation = FakeCloudFormation(exists=False)
    regions = []
    monkeypatch.setattr(
        boto3, "client", lambda service, region_name: regions.append(region_name) or cloudformation
    )

    assert (
        deploy_cdn_waf("songcong-prod", {"waf_rate_limit": None, "waf_sign_in_rate_limit": 1500}) == "arn:waf"
    )

    assert regions == ["us-east-1"]
    name, request = cloudformation.calls[0]
    assert name == "create_stack"
    assert request["StackName"] == "songcong-prod-cdn-waf"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in request["Parameters"]} == {
        "NamePrefix": "songcong-prod",
        "Scope": "CLOUDFRONT",
        "ApiStageArn": "",  # no stage, no BehindCdn, no origin secret: CloudFront sees the viewer
        "SignInRateLimit": "1500",
    }


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "infra").glob("*.json")))
def test_every_template_is_sent_within_cloudformations_template_body_limit(template):
    cloudformation = FakeCloudFormation(exists=False)
    deploy_stack(cloudformation, "stack", template, {})
    body = cloudformation.calls[0][1]["TemplateBody"]
    assert json.loads(body) == json.loads((ROOT / "infra" / template).read_text(encoding="utf-8"))
    assert len(body.encode("utf-8")) <= 51_200


@pytest.mark.parametrize(
    ("api", "origin", "web_acl"),
    [
        ("http", "h1.execute-api.eu-west-1.amazonaws.com", "arn:cdn-waf"),
        ("rest", "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", ""),
    ],
)
def test_the_static_step_sends_api_to_the_chosen_api_with_the_distributions_waf(
    monkeypatch, api, origin, web_acl
):
    from scripts import deploy, deploy_static

    stacks = []
    monkeypatch.setattr(
        deploy,
        "deploy_stack",
        lambda client, stack, template, parameters: (
            stacks.append((stack, template, parameters))
            or {"SiteUrl": "https://d1.cloudfront.net/", "SiteBucketName": "b", "DistributionId": "D"}
        ),
    )
    monkeypatch.setattr(deploy_static, "publish", lambda *args: 0)
    monkeypatch.setattr(deploy, "_origin_secret", lambda d: "o" * 48)
    args = SimpleNamespace(static=True, api=api, public_url=None, region="eu-west-1", stage="prod")
    d = deploy.Deploy(args, CONFIG, "songcong-prod", deployed=DEPLOYED, api_public_url="https://x/")
    d.outputs["HttpApiUrl"] = "https://h1.execute-api.eu-west-1.amazonaws.com/api/"
    if api == "http":
        d.outputs["CdnWebAclArn"] = "arn:cdn-waf"  # the WAF step's

    deploy._static(d)

    ((stack, template, parameters),) = stacks
    assert (stack, template) == ("songcong-prod-static", "static.json")
    assert parameters["ApiDomain"] == origin and parameters["WebAclArn"] == web_acl
