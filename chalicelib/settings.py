"""The one place that reads the environment.

Every other module receives a :class:`Settings`; tests build their own with
:func:`load_settings` and a plain dict, so nothing depends on the shell.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib import secrets

DEV_ADMIN_TOKEN = "dev-admin-token"
_DEV_SECRET = "dev-only-secret-change-me"
# The city portal embeds the contest page in an iframe (plan: "đăng tải trên Cổng thông tin").
DEFAULT_EMBED_ORIGINS = "https://songcong.thainguyen.gov.vn"


class ConfigurationError(RuntimeError):
    """Raised at start-up when a production setting is missing."""


@dataclass(frozen=True)
class Limits:
    """Defaults sized for a ward office that registers 60 people from one network in an
    hour (docs/design.md, "Limits"): a person never meets them, a script soon does."""

    signin_failures: int = 5
    signin_lock_seconds: int = 15 * 60
    window_seconds: int = 10 * 60
    client_signins: int = 120
    client_registrations: int = 60
    challenge_max_number: int = 25_000
    challenge_ttl_seconds: int = 10 * 60
    challenge_step_registrations: int = 20
    challenge_max_factor: int = 16
    phone_code_ttl_seconds: int = 10 * 60
    phone_code_tries: int = 5
    phone_code_sends_per_hour: int = 3


def _on(value: str) -> bool:
    return value.strip().lower() not in ("off", "0", "false", "no")


@dataclass(frozen=True)
class Settings:
    stage: str
    contest_id: str
    table_prefix: str
    region: str
    dynamodb_endpoint: str | None
    admin_token: str
    token_secret: str
    token_ttl_seconds: int
    attempt_shards: int
    # Live statistics (chalicelib/data/counters.py): partitions of the stream's counters and of
    # the per-person items. Fixed for a contest (the counter shards may only grow).
    stats_counter_shards: int
    stats_person_shards: int
    config_cache_seconds: float
    dynamodb_connect_timeout: float
    dynamodb_read_timeout: float
    dynamodb_max_retries: int
    attempts_stream_arn: str
    rate_limits: bool
    registration_challenge: bool
    limits: Limits
    embed_origins: tuple[str, ...]
    strict_transport_security: bool
    serve_pages: bool  # off where a CDN serves the pages (scripts/deploy_static.py): JSON only
    origin_secret: str | None  # behind the CDN: proves a request came through it (secrets.py)
    sms_log_path: str | None
    sms_origination_identity: str | None
    # certificates and sharing (issue 11): the public address printed in QR codes and og:url
    # (e.g. https://thi.songcong.gov.vn/); unset: taken from each request's host and stage
    public_base_url: str | None = None
    # Excel exports (issue 11): large files go to the private bucket (AWS) or a folder (local),
    # built by the function EXPORT_FUNCTION (AWS) or a thread (local); docs/participation.md
    export_bucket: str | None = None
    export_dir: str | None = None
    export_function: str | None = None

    def table_name(self, logical_name: str) -> str:
        """Physical table name for a logical table of ``infra/tables.json``."""
        return f"{self.table_prefix}-{logical_name}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings; the dev stage has safe defaults, prod has none for secrets."""
    env = os.environ if environ is None else environ
    fetched = secrets.resolve(env)  # AWS: from SSM when *_PARAMETER names them; else {}
    if fetched:
        env = {**env, **fetched}
    stage = env.get("STAGE", "dev")
    is_dev = stage != "prod"
    admin_token = env.get("ADMIN_TOKEN", DEV_ADMIN_TOKEN if is_dev else "")
    token_secret = env.get("TOKEN_SECRET", _DEV_SECRET if is_dev else "")
    if not is_dev and len(token_secret) < 32:
        raise ConfigurationError("TOKEN_SECRET (32+ characters) is required in prod")
    table_prefix = env.get("TABLE_PREFIX", f"songcong-{stage}")
    region = env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "ap-southeast-1"))
    return Settings(
        stage=stage,
        contest_id=env.get("CONTEST_ID", "song-cong-cchc-2021"),
        table_prefix=table_prefix,
        region=region,
        dynamodb_endpoint=env.get("DYNAMODB_ENDPOINT") or None,
        admin_token=admin_token,
        token_secret=token_secret,
        token_ttl_seconds=int(env.get("TOKEN_TTL_SECONDS", str(60 * 24 * 3600))),
        attempt_shards=int(env.get("ATTEMPT_SHARDS", "16")),
        stats_counter_shards=int(env.get("STATS_COUNTER_SHARDS", "16")),
        stats_person_shards=int(env.get("STATS_PERSON_SHARDS", "64")),
        config_cache_seconds=float(env.get("CONFIG_CACHE_SECONDS", "5")),
        dynamodb_connect_timeout=float(env.get("DYNAMODB_CONNECT_TIMEOUT", "2")),
        dynamodb_read_timeout=float(env.get("DYNAMODB_READ_TIMEOUT", "5")),
        dynamodb_max_retries=int(env.get("DYNAMODB_MAX_RETRIES", "3")),
        # Chalice needs the stream ARN when it reads app.py: deployment exports it from the
        # tables stack (make deploy); locally, the event driver maps this name to its stream.
        attempts_stream_arn=env.get(
            "ATTEMPTS_STREAM_ARN",
            f"arn:aws:dynamodb:{region}:123456789012:table/{table_prefix}-attempts/stream/local",
        ),
        rate_limits=_on(env.get("RATE_LIMITS", "on")),
        registration_challenge=_on(env.get("REGISTRATION_CHALLENGE", "on")),
        limits=_limits(env),
        embed_origins=tuple(env.get("EMBED_ORIGINS", DEFAULT_EMBED_ORIGINS).split()),
        # HSTS belongs to HTTPS deployments; the local stack (an endpoint of its own) is HTTP.
        strict_transport_security=_on(
            env.get("STRICT_TRANSPORT_SECURITY", "off" if env.get("DYNAMODB_ENDPOINT") else "on")
        ),
        serve_pages=_on(env.get("SERVE_PAGES", "on")),
        origin_secret=env.get("ORIGIN_SECRET") or None,
        sms_log_path=env.get("SMS_LOG_PATH") or None,
        sms_origination_identity=env.get("SMS_ORIGINATION_IDENTITY") or None,
        public_base_url=env.get("PUBLIC_BASE_URL") or None,
        export_bucket=env.get("EXPORT_BUCKET") or None,
        export_dir=env.get("EXPORT_DIR") or None,
        export_function=env.get("EXPORT_FUNCTION") or None,
    )


def _limits(env: Mapping[str, str]) -> Limits:
    """Each limit can be set as ``LIMIT_<NAME>`` (e.g. ``LIMIT_CLIENT_REGISTRATIONS=120``)."""
    defaults = Limits()
    return Limits(
        **{
            name: int(env.get(f"LIMIT_{name.upper()}", str(getattr(defaults, name))))
            for name in defaults.__dataclass_fields__
        }
    )


_CURRENT: Settings | None = None


def get_settings() -> Settings:
    """Settings of this process, read once (lazy, so tests can set the env first)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = load_settings()
    return _CURRENT
