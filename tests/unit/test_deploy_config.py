"""The deployment step adds secrets to a build copy of the Chalice config, never to git's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.deploy import stage_config

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
