"""infra/monitoring.json (issue 13, 3) and cfn-lint on every template (issue 13, 6)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from cfnlint.api import ManualArgs, lint_file
from moto import mock_aws

from scripts.deploy import FUNCTION_ACCESS, deploy_stack, lambda_name

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "infra" / "monitoring.json").read_text(encoding="utf-8"))
RESOURCES = TEMPLATE["Resources"]
TABLES = ("contest", "questions", "participants", "attempts", "stats", "audit", "limits", "organizers")
REGION = "ap-southeast-1"


def alarms() -> dict[str, dict]:
    return {
        r["Properties"]["AlarmName"]["Fn::Sub"].removeprefix("${TablePrefix}-"): r["Properties"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


@pytest.mark.parametrize("template", sorted((ROOT / "infra").glob("*.json")), ids=lambda p: p.name)
def test_every_template_passes_cfn_lint(template):
    matches = lint_file(template, config=ManualArgs(regions=[REGION]))
    assert [str(m) for m in matches if m.rule.severity == "error"] == []


def test_alarms_cover_the_api_every_function_every_table_the_stream_and_the_schedules():
    names = set(alarms())
    assert {"api-5xx-rate", "api-latency-p99", "stream-iterator-age", "stream-dlq-messages"} <= names
    assert {"close-and-rank-rounds-missed", "publish-results-missed"} <= names
    for function in FUNCTION_ACCESS:
        slug = "api" if function == "api_handler" else function
        assert {f"{slug}-lambda-errors", f"{slug}-lambda-throttles"} <= names, function
    for table in TABLES:
        assert {f"{table}-table-throttles", f"{table}-table-system-errors"} <= names, table
    for alarm in alarms().values():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] and "Runbook" in alarm["AlarmDescription"]


def test_a_schedule_that_did_not_run_for_15_minutes_alarms():
    missed = alarms()["close-and-rank-rounds-missed"]
    assert missed["MetricName"] == "Invocations" and missed["Period"] * missed["EvaluationPeriods"] == 900
    assert missed["ComparisonOperator"] == "LessThanThreshold" and missed["Threshold"] == 1
    assert missed["TreatMissingData"] == "breaching"  # no data at all is a missed schedule
    (dimension,) = missed["Dimensions"]
    assert dimension["Value"]["Fn::Sub"] == "songcong-contest-${Stage}-close-and-rank-rounds"


def test_every_function_has_a_log_group_with_a_retention():
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Logs::LogGroup"
        and r["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    }
    stage_names = {lambda_name("${Stage}", f) for f in FUNCTION_ACCESS}
    assert groups == {f"/aws/lambda/{name}" for name in stage_names}
    assert TEMPLATE["Parameters"]["LogRetentionDays"]["Default"] == 90


def test_the_dashboard_shows_the_deadline():
    body = RESOURCES["DeadlineDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for metric in (
        "Count",
        "5XXError",
        "Latency",
        "ConcurrentExecutions",
        "ConsumedWriteCapacityUnits",
        "IteratorAge",
    ):
        assert f'"{metric}"' in body, metric


def resolve(value, parameters: dict[str, str], attributes: dict[str, str]):
    """Ref, Fn::Sub and Fn::GetAtt as CloudFormation resolves them with these parameters."""
    if isinstance(value, list):
        return [resolve(v, parameters, attributes) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return parameters.get(value["Ref"], attributes.get(value["Ref"]))
    if set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        for name, given in {**parameters, "AWS::Region": REGION}.items():
            text = text.replace("${" + name + "}", given)
        return text
    if set(value) == {"Fn::GetAtt"}:
        return attributes[".".join(value["Fn::GetAtt"])]
    return {k: resolve(v, parameters, attributes) for k, v in value.items()}


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_the_stack_deploys_on_moto_and_cloudwatch_takes_every_alarm(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        parameters = {"Stage": "prod", "TablePrefix": "songcong-prod", "AlarmEmail": "ops@example.org"}
        outputs = deploy_stack(cloudformation, "songcong-prod-monitoring", "monitoring.json", parameters)

        assert outputs["DeadLetterQueueArn"].endswith(":songcong-prod-stream-dlq")
        sns = boto3.client("sns", region_name=REGION)
        (subscription,) = sns.list_subscriptions_by_topic(TopicArn=outputs["AlarmTopicArn"])["Subscriptions"]
        assert subscription["Endpoint"] == "ops@example.org" and subscription["Protocol"] == "email"
        logs = boto3.client("logs", region_name=REGION)
        groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/songcong-contest-prod")["logGroups"]
        assert {g["retentionInDays"] for g in groups} == {90} and len(groups) == len(FUNCTION_ACCESS)

        # moto's CloudFormation makes no alarms: each one goes through CloudWatch's API instead,
        # which validates its shape (metric math, extended statistics, missing data).
        defaults = {k: str(v["Default"]) for k, v in TEMPLATE["Parameters"].items() if "Default" in v}
        attributes = {
            "AlarmTopic": outputs["AlarmTopicArn"],
            "StreamDeadLetterQueue.QueueName": "songcong-prod-stream-dlq",
        }
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        for resource in RESOURCES.values():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                alarm = resolve(resource["Properties"], {**defaults, **parameters}, attributes)
                alarm["Threshold"] = float(alarm["Threshold"])
                cloudwatch.put_metric_alarm(**alarm)
        made = cloudwatch.describe_alarms(MaxRecords=100)["MetricAlarms"]
        assert len(made) == len(alarms())
        by_name = {a["AlarmName"]: a for a in made}
        assert by_name["songcong-prod-api-latency-p99"]["Threshold"] == 3000
        assert by_name["songcong-prod-api-lambda-errors"]["Dimensions"] == [
            {"Name": "FunctionName", "Value": "songcong-contest-prod"}
        ]
