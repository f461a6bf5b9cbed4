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
    deploy_waf,
    deployed_rest_api_id,
    main,
    stage_config,
    waf_enabled,
)

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())


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
        (["--stage", "prod"], "songcong-prod-waf"),
        (["--stage", "dev", "--waf"], "songcong-dev-waf"),
    ],
)
def test_dry_run_deploys_the_waf_after_chalice_for_prod_or_with_the_flag(
    no_secret_in_env, capsys, args, waf_stack
):
    assert main([*args, "--dry-run"]) == 0
    steps = capsys.readouterr().out.splitlines()
    assert steps[4].startswith("5. chalice deploy")
    assert steps[-3].startswith(f"8. CloudFormation stack {waf_stack} from infra/waf.json")
    assert "/restapis/<api-id>/stages/api" in steps[-3]  # the API Gateway stage, not the Chalice one
    assert "10000 requests, 1000 to sign-in" in steps[-3]
    assert steps[-2].startswith(
        f"9. CloudFormation stack {waf_stack.replace('-waf', '-static')} from infra/static.json"
    )
    assert steps[-1].startswith("10. smoke test")


@pytest.mark.parametrize("args", [["--stage", "dev"], ["--stage", "prod", "--no-waf"]])
def test_dry_run_without_the_waf_for_dev_or_with_no_waf(no_secret_in_env, capsys, args):
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "infra/waf.json" not in out and out.splitlines()[-3].startswith("8. no WAF")


def test_dry_run_without_the_static_site_says_the_api_serves_the_pages(no_secret_in_env, capsys):
    assert main(["--stage", "prod", "--dry-run", "--no-static"]) == 0
    assert capsys.readouterr().out.splitlines()[-2].startswith("9. no static site (--no-static)")


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
