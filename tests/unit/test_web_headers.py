"""The page's security headers from settings (chalicelib/routes/web.py): who may frame it,
and HSTS where the site is served over HTTPS."""

from __future__ import annotations

import pytest

from chalicelib.routes import web
from chalicelib.settings import DEFAULT_EMBED_ORIGINS, ConfigurationError, load_settings

HSTS = "max-age=31536000; includeSubDomains"


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_by_default_only_the_city_portal_may_frame_the_page_and_https_is_pinned():
    # GIVEN a deployment's settings (no local DynamoDB endpoint)
    settings = load_settings({})
    # WHEN the headers are built
    headers = web.security_headers(settings)
    # THEN the page frames in itself and the portal only, and browsers keep to HTTPS
    policy = directives(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == f"'self' {DEFAULT_EMBED_ORIGINS}"
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert headers["Strict-Transport-Security"] == HSTS
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_embed_origins_come_from_the_environment_in_their_order():
    settings = load_settings(
        {"EMBED_ORIGINS": "https://songcong.thainguyen.gov.vn  https://thainguyen.gov.vn:8443"}
    )
    policy = directives(web.content_security_policy(settings))
    assert (
        policy["frame-ancestors"]
        == "'self' https://songcong.thainguyen.gov.vn https://thainguyen.gov.vn:8443"
    )


def test_no_embed_origin_leaves_the_page_to_frame_itself_only():
    assert web.frame_ancestors(load_settings({"EMBED_ORIGINS": ""})) == "'self'"


@pytest.mark.parametrize(
    "origin",
    [
        "songcong.gov.vn",  # no scheme
        "https://songcong.gov.vn/",  # a path
        "https://a.gov.vn; script-src *",  # would smuggle in a directive
        "*",
        "https://*",
        "'unsafe-inline'",
    ],
)
def test_a_malformed_embed_origin_is_refused_loudly(origin):
    settings = load_settings({"EMBED_ORIGINS": origin})
    with pytest.raises(ConfigurationError, match="EMBED_ORIGINS"):
        web.security_headers(settings)


def test_a_wildcard_subdomain_origin_is_allowed():
    settings = load_settings({"EMBED_ORIGINS": "https://*.thainguyen.gov.vn"})
    assert web.frame_ancestors(settings) == "'self' https://*.thainguyen.gov.vn"


@pytest.mark.parametrize(
    ("environ", "pinned"),
    [
        ({"DYNAMODB_ENDPOINT": "http://127.0.0.1:8001"}, False),  # the local stack is HTTP
        ({"DYNAMODB_ENDPOINT": "http://127.0.0.1:8001", "STRICT_TRANSPORT_SECURITY": "on"}, True),
        ({"STRICT_TRANSPORT_SECURITY": "off"}, False),
        ({}, True),
    ],
)
def test_hsts_follows_the_setting(environ, pinned):
    headers = web.security_headers(load_settings(environ))
    assert headers.get("Strict-Transport-Security") == (HSTS if pinned else None)


def test_the_served_headers_are_built_once_from_the_process_settings(monkeypatch):
    # GIVEN the process's settings say the portal is another origin and HSTS is off
    settings = load_settings(
        {"EMBED_ORIGINS": "https://portal.example.gov.vn", "STRICT_TRANSPORT_SECURITY": "off"}
    )
    monkeypatch.setattr(web, "get_settings", lambda: settings)
    web.page_headers.cache_clear()
    try:
        # WHEN the headers are asked for twice THEN they follow those settings, one same dict
        first = web.page_headers()
        assert first is web.page_headers()
        assert "frame-ancestors 'self' https://portal.example.gov.vn" in first["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in first
        # AND the organizer console may not be framed at all, not even by the portal
        console = web.console_headers()
        assert console["Content-Security-Policy"].endswith("frame-ancestors 'none'")
        assert console["X-Frame-Options"] == "DENY"
        assert first["Content-Security-Policy"].count("frame-ancestors") == 1
    finally:
        web.page_headers.cache_clear()
        web.console_headers.cache_clear()
