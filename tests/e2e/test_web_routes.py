"""The web blueprint on its own (no browser, no database): headers, caching, 404s, weight."""

from __future__ import annotations

import json
import re

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.routes import web
from chalicelib.routes.web import web_routes
from chalicelib.settings import get_settings
from scripts.page_weight import BUDGET_BYTES, first_visit

# Third-party files kept as their authors ship them (scripts/vendor_assets.py): the ALTCHA
# widget's build holds URL strings it never requests (XML namespaces, links to its docs and
# to Svelte's error pages), uPlot's its home page in a comment. Our own files are held to
# "no other host".
WIDGET = ("altcha.js", "altcha.css", "altcha-worker.js")  # what app.js loads later
VENDORED = (*WIDGET, "uplot.js", "uplot.css")  # uPlot: the console's charts
# Namespace URIs are names, not requests.
_NAMESPACES = r"www\.w3\.org/2000/svg"


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
    settings = get_settings()
    ancestors = " ".join(("'self'", *settings.embed_origins))
    assert f"frame-ancestors {ancestors}" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in response.headers
    hsts = response.headers.get("Strict-Transport-Security")
    assert hsts == ("max-age=31536000; includeSubDomains" if settings.strict_transport_security else None)


def test_every_page_and_asset_response_has_the_same_security_headers(client):
    html = client.http.get("/").body.decode()
    expected = web.page_headers()
    responses = [client.http.get("/"), client.http.get("/static/nope.js"), client.http.get("/static/app.js")]
    responses += [client.http.get("/" + path) for path in asset_paths(html)]
    for response in responses:
        for name, value in expected.items():
            assert response.headers.get(name) == value, (name, response.status_code)


def test_page_has_no_inline_script_or_style_and_only_relative_urls(client):
    html = client.http.get("/").body.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html), "an asset from another host"
    assert not re.search(r'(?:href|src)="/', html), "a root-absolute URL breaks under a stage path"
    assets = web.get_site().assets
    assert set(VENDORED) <= set(assets), "a vendored file is gone: update VENDORED"
    for name, asset in assets.items():
        if name in VENDORED:
            continue
        assert not re.search(rf"https?://(?!{_NAMESPACES})", asset.body), f"{name} names another host"


def test_scripts_name_the_widget_files_by_their_versioned_names(client):
    # GIVEN app.js loads the registration widget later by the literals 'static/<name>'
    assets = web.get_site().assets
    source = (web.WEB_DIR / "app.js").read_text("utf-8")
    named = sorted(set(re.findall(r"'static/([a-z0-9-]+\.[a-z]+)'", source)))
    assert named == sorted(WIDGET)
    # WHEN app.js is served THEN each literal carries the named file's content hash
    served = client.http.get("/static/" + assets["app.js"].versioned_name).body.decode()
    for name in named:
        versioned = assets[name].versioned_name
        assert f"'static/{versioned}'" in served and f"'static/{name}'" not in served
        # AND that URL is the current file, cached for ever
        response = client.http.get("/static/" + versioned)
        assert response.status_code == 200
        assert response.body.decode() == assets[name].body
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # AND the served app.js is versioned by its rewritten body, so a new widget means a new URL
    assert assets["app.js"].body == served
    assert assets["app.js"].digest != web.Asset("app.js", source, "").digest


def test_rewriting_versions_known_names_only_and_one_level_deep(tmp_path):
    (tmp_path / "index.html").write_text('<script src="static/main.js"></script>', "utf-8")
    (tmp_path / "main.js").write_text("load('static/extra.js'); load(\"static/gone.js\");", "utf-8")
    (tmp_path / "extra.js").write_text("console.log('extra');", "utf-8")
    site = web.Site(tmp_path)
    extra = site.assets["extra.js"]
    main = site.assets["main.js"]
    # a known name gets its hash, an unknown one is left as it is (it will 404 plainly)
    assert main.body == f"load('static/{extra.versioned_name}'); load(\"static/gone.js\");"
    assert f'src="static/{main.versioned_name}"' in site.index[False].body
    # a file loaded by a script must not name other files: its hash would not follow theirs
    (tmp_path / "extra.js").write_text("load('static/more.js');", "utf-8")
    (tmp_path / "more.js").write_text("", "utf-8")
    with pytest.raises(RuntimeError, match=r"extra\.js"):
        web.Site(tmp_path)


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
