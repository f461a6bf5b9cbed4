"""Reads ``infra/tables.json`` (the CloudFormation template) so that local set-up and
tests create exactly the tables that are deployed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATE_PATH = Path(__file__).with_name("tables.json")


def load_template() -> dict[str, Any]:
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def create_table_requests(table_prefix: str) -> list[dict[str, Any]]:
    """boto3 ``create_table`` keyword arguments for every table of the template."""
    requests = []
    for resource in load_template()["Resources"].values():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        name = props["TableName"]["Fn::Sub"].replace("${TablePrefix}", table_prefix)
        request: dict[str, Any] = {
            "TableName": name,
            "BillingMode": props["BillingMode"],
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
        }
        if "GlobalSecondaryIndexes" in props:
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        requests.append(request)
    return requests


def create_tables(client: Any, table_prefix: str) -> list[str]:
    """Create missing tables (idempotent); returns the names that were created."""
    existing = set(client.list_tables().get("TableNames", []))
    created = []
    for request in create_table_requests(table_prefix):
        if request["TableName"] in existing:
            continue
        client.create_table(**request)
        client.get_waiter("table_exists").wait(TableName=request["TableName"])
        created.append(request["TableName"])
    return created
