"""The web blueprint on its own (no browser, no database): headers, caching, 404s, weight."""

from __future__ import annotations

import json
import re

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.routes import web
from chalicelib.routes.web import web_routes
from scripts.page_weight import BUDGET_BYTES, first_visit


@pytest.fixture(scope="module")
def app() -> Chalice:
    app = Chalice(app_name="web-only")
    app.register_blueprint(web_routes)
    return app


@pytest.fixture
def client(app):
    with Client(app) as test_client:
        yield test_client


def asset_paths(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(static/[^"]+)"', html)


def test_page_is_vietnamese_html_with_security_headers_and_revalidated(client):
    # WHEN the page is requested
    response = client.http.get("/")
    # THEN it is HTML in Vietnamese, never cached without revalidation, and locked to our origin
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="vi">' in response.body.decode()
    assert response.headers["Cache-Control"] == "no-cache"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'self' https://*.gov.vn" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in response.headers


def test_page_has_no_inline_script_or_style_and_only_relative_urls(client):
    html = client.http.get("/").body.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html), "an asset from another host"
    assert not re.search(r'(?:href|src)="/', html), "a root-absolute URL breaks under a stage path"
    for name in web.get_site().assets:
        body = web.get_site().assets[name].body
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", body), f"{name} names another host"


def test_assets_have_their_content_type_and_versioned_names_are_cached_for_ever(client):
    html = client.http.get("/").body.decode()
    types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    paths = asset_paths(html)
    assert {p.rsplit(".", 1)[-1] for p in paths} == {"css", "js", "svg"}
    for path in paths:
        response = client.http.get("/" + path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith(types["." + path.rsplit(".", 1)[-1]])
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_and_stale_asset_names_still_work_but_are_not_cached_for_ever(client):
    plain = client.http.get("/static/app.js")
    stale = client.http.get("/static/app.0123456789.js")
    assert plain.status_code == stale.status_code == 200
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    assert stale.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("name", ["nope.js", "index.html", "..%2Fapp.py", "app.JS", "app.js.map"])
def test_unknown_asset_is_a_json_404(client, name):
    response = client.http.get(f"/static/{name}")
    assert response.status_code == 404
    assert json.loads(response.body)["error"]["code"] == "NOT_FOUND"


def test_matching_etag_answers_304(client):
    first = client.http.get("/")
    again = client.http.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.body in (b"", "")


def test_embed_mode_is_marked_on_the_html_element(client):
    assert '<html lang="vi" class="embed">' in client.http.get("/?embed=1").body.decode()
    assert 'class="embed"' not in client.http.get("/?embed=0").body.decode()


def test_stage_root_without_trailing_slash_redirects_so_relative_urls_resolve(app):
    # GIVEN API Gateway hands us "/" for https://…/api (no slash)
    event = {
        "resource": "/",
        "path": "/",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/", "path": "/api", "httpMethod": "GET", "stage": "api"},
    }
    # WHEN the page is requested THEN the browser is sent to "api/", i.e. /api/
    response = app(event, None)
    assert response["statusCode"] == 301
    assert response["headers"]["Location"] == "api/"


def test_first_visit_is_within_the_weight_budget(client):
    def fetch(path: str) -> bytes:
        return client.http.get("/" + path).body

    rows = first_visit(fetch, with_api=False)
    assert sum(packed for _, _, packed in rows) <= BUDGET_BYTES
