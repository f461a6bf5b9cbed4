"""The runbook's restore drill (docs/operations.md, "After"): every table of a stage restored
from point-in-time recovery to a new prefix, the attempts stream turned back on, and a deploy
of the stage with that prefix names only the restored tables. On moto, whose restore copies the
items as they are now (it ignores the point in time)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from infra.table_specs import load_template
from scripts.deploy import ALL_TABLES as TABLE_NAMES
from scripts.deploy import FUNCTION_ACCESS, deploy_stack, function_policy

REGION = "ap-southeast-1"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def test_every_table_of_the_template_has_point_in_time_recovery_and_a_role_entry():
    tables = load_template()["Resources"].values()
    names = {t["Properties"]["TableName"]["Fn::Sub"].removeprefix("${TablePrefix}-") for t in tables}
    assert names == set(TABLE_NAMES)  # the least-privilege table list follows infra/tables.json
    for table in tables:  # moto's CloudFormation does not apply it: checked in the template
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_restore_every_table_to_a_new_prefix_and_switch_to_it(aws):
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    outputs = deploy_stack(
        cloudformation, "songcong-prod-tables", "tables.json", {"TablePrefix": "songcong-prod"}
    )
    assert outputs["AttemptsStreamArn"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    key = dynamodb.describe_table(TableName="songcong-prod-participants")["Table"]["KeySchema"]
    item = {k["AttributeName"]: {"S": "cccd-hash-1"} for k in key}
    dynamodb.put_item(TableName="songcong-prod-participants", Item=item)

    # The runbook's commands, one table after the other, all to the same point in time.
    for name in TABLE_NAMES:
        dynamodb.restore_table_to_point_in_time(
            SourceTableName=f"songcong-prod-{name}",
            TargetTableName=f"songcong-prod-r1-{name}",
            UseLatestRestorableTime=True,
        )
    # A restore carries neither the stream nor PITR nor TTL: turn them back on.
    stream = dynamodb.update_table(
        TableName="songcong-prod-r1-attempts",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    for name in TABLE_NAMES:
        dynamodb.update_continuous_backups(
            TableName=f"songcong-prod-r1-{name}",
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )

    assert dynamodb.get_item(TableName="songcong-prod-r1-participants", Key=item)["Item"] == item
    assert stream.startswith(f"arn:aws:dynamodb:{REGION}:") and "songcong-prod-r1-attempts" in stream
    # Switching: TABLE_PREFIX=songcong-prod-r1 in the stage's config, then deploy; its roles
    # reach the restored tables only.
    for function in FUNCTION_ACCESS:
        arns = [
            arn
            for s in function_policy(function, "prod", "songcong-prod-r1")["Statement"]
            for arn in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
            if ":table/" in arn
        ]
        assert arns and all("table/songcong-prod-r1-" in arn for arn in arns)
