"""Secrets of a deployed stage: SSM Parameter Store SecureStrings, read once per cold start.

In AWS, the stage's functions carry the *names* of the parameters, never their values
(``TOKEN_SECRET_PARAMETER=/songcong/prod/token-secret``); :func:`resolve` fetches each named
one with Powertools' parameters utility (decrypted, cached for the life of the process) the
first time settings are read. Locally and in tests no ``*_PARAMETER`` variable is set and
the values come from the environment as before, so nothing reaches AWS.
"""

from __future__ import annotations

from collections.abc import Mapping

# Secret (the setting's environment variable) -> the last part of its parameter name.
SECRETS = {
    "TOKEN_SECRET": "token-secret",
    "ADMIN_TOKEN": "admin-token",
    # What CloudFront adds to each request it passes to the API (X-Origin-Verify): only such a
    # request's X-Viewer-Ip is believed (http.client_address); the WAF blocks the others.
    "ORIGIN_SECRET": "cdn-origin-secret",
}
PARAMETER_SUFFIX = "_PARAMETER"
# Powertools' cache lifetime: the life of the execution environment (a cold start reads again).
CACHE_SECONDS = 365 * 24 * 3600


def parameter_name(stage: str, secret: str) -> str:
    """``/songcong/<stage>/<name>``: one path per stage, which IAM grants to that stage only."""
    return f"/songcong/{stage}/{SECRETS[secret]}"


def resolve(env: Mapping[str, str]) -> dict[str, str]:
    """The secrets named by ``<SECRET>_PARAMETER`` variables, read from SSM; {} when none is
    named (local and test stages). A value in the environment itself wins (Chalice importing
    app.py on the operator's machine). Powertools is imported only then (about 0.1 s)."""
    named = {
        s: env[s + PARAMETER_SUFFIX] for s in SECRETS if env.get(s + PARAMETER_SUFFIX) and not env.get(s)
    }
    if not named:
        return {}
    from aws_lambda_powertools.utilities.parameters import get_parameter

    return {s: get_parameter(name, decrypt=True, max_age=CACHE_SECONDS) for s, name in named.items()}
