"""Least privilege per stage and per function (issue 13, 2): each role names only its stage's
resources and only the actions its function uses."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from scripts.deploy import FUNCTION_ACCESS, build_dir, function_policy, policy_file, stage_config

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
STAGES = {"dev": "songcong-dev", "prod": "songcong-prod"}


def resources(policy: dict) -> list[str]:
    found = []
    for statement in policy["Statement"]:
        value = statement["Resource"]
        found.extend([value] if isinstance(value, str) else value)
    return found


def actions(policy: dict) -> set[str]:
    return {a for s in policy["Statement"] for a in s["Action"]}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("function", FUNCTION_ACCESS)
def test_every_role_names_only_its_own_stage(stage, function):
    prefix = STAGES[stage]
    policy = function_policy(function, stage, prefix, "ap-southeast-1", "111122223333")
    for arn in resources(policy):
        if arn == "*":  # SMS: sms-voice:SendTextMessage has no resource to narrow to
            assert function == "api_handler"
            continue
        assert arn.startswith("arn:aws:"), arn
        assert prefix in arn or f"/songcong/{stage}/" in arn or f"songcong-contest-{stage}" in arn, arn
        for other, other_prefix in STAGES.items():
            if other != stage:
                assert other_prefix not in arn and f"/songcong/{other}/" not in arn, arn
        assert "songcong-*" not in arn and ":table/*" not in arn, arn


def test_each_function_gets_only_what_it_uses():
    api = function_policy("api_handler", "prod", "songcong-prod")
    stream = function_policy("count-submissions", "prod", "songcong-prod")
    close = function_policy("close-and-rank-rounds", "prod", "songcong-prod")
    assert not any("/stream/" in arn for arn in resources(api))  # the API does not read the stream
    assert "dynamodb:GetRecords" not in actions(api) and "sqs:SendMessage" not in actions(api)
    assert not any("audit" in arn for arn in resources(stream))  # nor the consumer the audit table
    assert [arn for arn in resources(stream) if ":table/" in arn and "/stream/" not in arn] == [
        "arn:aws:dynamodb:*:*:table/songcong-prod-stats",
        "arn:aws:dynamodb:*:*:table/songcong-prod-stats/index/*",
    ]
    assert "dynamodb:GetRecords" in actions(stream) and "sqs:SendMessage" in actions(stream)
    assert "arn:aws:sqs:*:*:songcong-prod-stream-dlq" in resources(stream)
    assert not any(t in arn for arn in resources(close) for t in ("-audit", "-limits", "-organizers"))
    assert not any("admin-token" in arn for arn in resources(close) + resources(stream))
    assert any(arn.endswith("/songcong/prod/admin-token") for arn in resources(api))
    for policy in (api, stream, close):
        assert "dynamodb:*" not in actions(policy) and "logs:CreateLogGroup" not in actions(policy)


def test_the_policies_are_valid_iam_documents():
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        for stage, prefix in STAGES.items():
            for function in FUNCTION_ACCESS:
                document = json.dumps(function_policy(function, stage, prefix))
                iam.create_policy(PolicyName=f"{stage}-{function}", PolicyDocument=document)


def test_the_build_copy_gives_each_function_its_policy_file():
    target = build_dir("prod", stage_config(CONFIG, "prod", "arn:stream", "songcong-prod"), "songcong-prod")
    config = json.loads((target / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    for function in FUNCTION_ACCESS:
        section = config["stages"]["prod"]["lambda_functions"][function]
        written = json.loads((target / ".chalice" / section["iam_policy_file"]).read_text())
        assert section["iam_policy_file"] == policy_file(function)
        assert written == function_policy(function, "prod", "songcong-prod")
    assert not (target / "tests").exists() and not (target / "benchmarks").exists()
    assert not (target / "question_data").exists()
