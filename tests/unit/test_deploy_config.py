"""The deployment step adds secrets to a build copy of the Chalice config, never to git's."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib.messages import ERROR_MESSAGES
from scripts.deploy import apply_gateway_responses, deployed_rest_api_id, stage_config

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
SECRETS = {"ADMIN_TOKEN": "a" * 40, "TOKEN_SECRET": "s" * 40}


def test_prod_stage_gets_secrets_and_stream_arn_without_touching_the_source_config():
    merged = stage_config(CONFIG, "prod", SECRETS, "arn:stream")
    variables = merged["stages"]["prod"]["environment_variables"]
    assert variables["ADMIN_TOKEN"] == "a" * 40 and variables["ATTEMPTS_STREAM_ARN"] == "arn:stream"
    assert variables["STAGE"] == "prod" and variables["TABLE_PREFIX"] == "songcong-prod"
    assert "ADMIN_TOKEN" not in CONFIG["stages"]["prod"]["environment_variables"]


def test_committed_config_has_no_secrets_and_prod_has_no_admin_default():
    text = json.dumps(CONFIG)
    assert "ADMIN_TOKEN" not in text and "TOKEN_SECRET" not in text


@pytest.mark.parametrize("short", ["", "short"])
def test_short_or_missing_secrets_are_refused(short):
    with pytest.raises(SystemExit):
        stage_config(CONFIG, "prod", {**SECRETS, "TOKEN_SECRET": short}, "arn")


def test_unknown_stage_is_refused():
    with pytest.raises(SystemExit):
        stage_config(CONFIG, "staging", SECRETS, "arn")


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
