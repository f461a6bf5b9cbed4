"""--teardown removes a stage's app; the tables stay unless asked twice (issue 13, 5)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from scripts.deploy import deploy_stack, main, teardown

REGION = "ap-southeast-1"


@pytest.fixture
def cloudformation(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("cloudformation", region_name=REGION)
        deploy_stack(client, "songcong-dev-tables", "tables.json", {"TablePrefix": "songcong-dev"})
        deploy_stack(
            client,
            "songcong-dev-monitoring",
            "monitoring.json",
            {"Stage": "dev", "TablePrefix": "songcong-dev"},
        )
        yield client


def live_stacks(client) -> set[str]:
    return {
        s["StackName"] for s in client.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"
    }


@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_once_keeps_the_tables_twice_removes_their_stack(cloudformation):
    assert teardown(cloudformation, "dev", "songcong-dev", 1) == ["songcong-dev-monitoring"]
    assert live_stacks(cloudformation) == {"songcong-dev-tables"}
    tables = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert "songcong-dev-attempts" in tables

    assert teardown(cloudformation, "dev", "songcong-dev", 2) == [
        "songcong-dev-monitoring",
        "songcong-dev-tables",
    ]
    assert live_stacks(cloudformation) == set()


@pytest.mark.parametrize(
    ("times", "tables_line"), [(1, "songcong-dev-tables kept"), (2, "delete songcong-dev-tables")]
)
def test_dry_run_says_what_a_teardown_removes(capsys, times, tables_line):
    assert main(["--stage", "dev", "--dry-run", *["--teardown"] * times]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "empty and delete songcong-dev-static and songcong-dev-exports, delete songcong-dev-waf,"
        " chalice delete --stage dev, songcong-dev-monitoring"
    )
    assert out[1].startswith(tables_line)


def test_dry_run_plan_has_every_step_in_order(capsys):
    assert main(["--stage", "prod", "--dry-run", "--alarm-email", "ops@example.org"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [f"{i}." for i in range(1, 11)]
    text = "\n".join(lines)
    for expected in (
        "infra/tables.json",
        "infra/monitoring.json",
        "ops@example.org",
        "SecureString",
        "bisect",
        "infra/static.json",
    ):
        assert expected in text, expected
    assert lines[-1].startswith("10. smoke test")
