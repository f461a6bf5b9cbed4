"""Secrets come from SSM Parameter Store in AWS, from the environment locally (issue 13, 1)."""

from __future__ import annotations

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from chalicelib import secrets
from chalicelib.settings import ConfigurationError, load_settings
from scripts.deploy import ensure_secrets

REGION = "ap-southeast-1"


@pytest.fixture
def aws(monkeypatch):
    for name in ("TOKEN_SECRET", "ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    parameters.clear_caches()
    parameters.base.DEFAULT_PROVIDERS.clear()  # its SSM client must be made inside moto
    with mock_aws():
        yield boto3.client("ssm", region_name=REGION)
    parameters.clear_caches()
    parameters.base.DEFAULT_PROVIDERS.clear()


def prod_env() -> dict[str, str]:
    return {
        "STAGE": "prod",
        "AWS_REGION": REGION,
        "TOKEN_SECRET_PARAMETER": "/songcong/prod/token-secret",
        "ADMIN_TOKEN_PARAMETER": "/songcong/prod/admin-token",
    }


def test_prod_settings_read_both_secrets_from_ssm_once_per_process(aws):
    ensure_secrets(aws, "prod")
    stored = {
        name: aws.get_parameter(Name=secrets.parameter_name("prod", name), WithDecryption=True)["Parameter"]
        for name in secrets.SECRETS
    }
    settings = load_settings(prod_env())
    assert settings.token_secret == stored["TOKEN_SECRET"]["Value"]
    assert settings.admin_token == stored["ADMIN_TOKEN"]["Value"]
    assert stored["TOKEN_SECRET"]["Type"] == "SecureString"

    # Cached for the life of the execution environment: a change is seen at the next cold start.
    aws.put_parameter(Name="/songcong/prod/admin-token", Value="n" * 40, Type="SecureString", Overwrite=True)
    assert load_settings(prod_env()).admin_token == stored["ADMIN_TOKEN"]["Value"]
    parameters.clear_caches()
    assert load_settings(prod_env()).admin_token == "n" * 40


def test_a_function_without_the_admin_parameter_has_no_admin_token(aws):
    ensure_secrets(aws, "prod")
    env = prod_env()
    del env["ADMIN_TOKEN_PARAMETER"]  # only the API's role may read it
    settings = load_settings(env)
    assert settings.admin_token == "" and len(settings.token_secret) >= 32


def test_prod_without_its_parameter_or_secret_refuses_to_start():
    with pytest.raises(ConfigurationError):
        load_settings({"STAGE": "prod"})


def test_local_and_test_stages_need_no_aws():
    assert secrets.resolve({"STAGE": "dev"}) == {}
    settings = load_settings({"STAGE": "dev", "TOKEN_SECRET": "t" * 40})
    assert settings.token_secret == "t" * 40 and settings.admin_token == "dev-admin-token"


def test_deploy_creates_missing_secrets_then_keeps_them(aws):
    assert ensure_secrets(aws, "prod") == {
        "TOKEN_SECRET": "created",
        "ADMIN_TOKEN": "created",
        "ORIGIN_SECRET": "created",
    }
    first = aws.get_parameter(Name="/songcong/prod/token-secret", WithDecryption=True)["Parameter"]["Value"]
    assert len(first) >= 64  # 48 random bytes, URL-safe base64
    assert ensure_secrets(aws, "prod") == {
        "TOKEN_SECRET": "kept",
        "ADMIN_TOKEN": "kept",
        "ORIGIN_SECRET": "kept",
    }
    assert (
        aws.get_parameter(Name="/songcong/prod/token-secret", WithDecryption=True)["Parameter"]["Value"]
        == first
    )
    assert ensure_secrets(aws, "dev")["TOKEN_SECRET"] == "created"  # one path per stage
    other = aws.get_parameter(Name="/songcong/dev/token-secret", WithDecryption=True)["Parameter"]["Value"]
    assert other != first


def test_an_existing_token_secret_is_never_changed_without_the_flag(aws, monkeypatch):
    ensure_secrets(aws, "prod")
    monkeypatch.setenv("TOKEN_SECRET", "x" * 40)
    with pytest.raises(SystemExit, match="refusing to change"):
        ensure_secrets(aws, "prod")
    assert ensure_secrets(aws, "prod", frozenset({"TOKEN_SECRET"}))["TOKEN_SECRET"] == "rotated"
    assert (
        aws.get_parameter(Name="/songcong/prod/token-secret", WithDecryption=True)["Parameter"]["Value"]
        == "x" * 40
    )


def test_a_token_secret_from_the_environment_moves_an_existing_stage_in(aws, monkeypatch):
    monkeypatch.setenv("TOKEN_SECRET", "k" * 40)
    assert ensure_secrets(aws, "prod")["TOKEN_SECRET"] == "created"
    assert (
        aws.get_parameter(Name="/songcong/prod/token-secret", WithDecryption=True)["Parameter"]["Value"]
        == "k" * 40
    )
    monkeypatch.setenv("TOKEN_SECRET", "short")
    with pytest.raises(SystemExit):
        ensure_secrets(aws, "prod")


def test_rotating_the_operator_credential_keeps_the_token_secret(aws):
    ensure_secrets(aws, "prod")
    before = aws.get_parameter(Name="/songcong/prod/token-secret", WithDecryption=True)["Parameter"]["Value"]
    assert ensure_secrets(aws, "prod", frozenset({"ADMIN_TOKEN"})) == {
        "TOKEN_SECRET": "kept",
        "ADMIN_TOKEN": "rotated",
        "ORIGIN_SECRET": "kept",
    }
    assert (
        aws.get_parameter(Name="/songcong/prod/token-secret", WithDecryption=True)["Parameter"]["Value"]
        == before
    )
