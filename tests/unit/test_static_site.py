"""Static content off the API (issue 15): the CDN's bucket holds exactly what the local server
serves, the CloudFront function maps the three pages, the headers match the API's, and with
SERVE_PAGES=off the API answers JSON only."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.artefacts.sharing import SHARE_IMAGE
from chalicelib.routes import web
from chalicelib.settings import load_settings
from scripts import deploy_static
from scripts.deploy import stage_config

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "infra" / "static.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site() -> web.Site:
    return web.Site(web.WEB_DIR)


def test_the_bucket_holds_every_file_the_local_server_serves_with_the_same_bytes_and_lifetimes(site):
    # GIVEN the bundle the deploy uploads
    files = {f.key: f for f in web.cdn_bundle(site, deploy_static.API_BASE)}
    # THEN every asset is there under its versioned name (cached for ever) and its plain name
    for name, asset in site.assets.items():
        for requested in (asset.versioned_name, name):
            served, cache_control = site.find(requested)
            uploaded = files.pop(f"static/{requested}")
            assert uploaded.body == served.body.encode()
            assert uploaded.content_type == served.content_type
            assert uploaded.cache_control == cache_control
    # AND the three pages are the pages the app renders, told that the API is under api/
    for key, page in (
        ("index.html", site.index[False]),
        ("embed.html", site.index[True]),
        ("admin.html", site.console),
    ):
        uploaded = files.pop(key)
        assert uploaded.cache_control == web.REVALIDATE
        assert uploaded.body.decode() == page.body.replace(
            web.API_BASE_META, '<meta name="api-base" content="api/">'
        )
    # AND the share card's picture, as the API serves it at /share.png
    picture = files.pop("share.png")
    assert picture.body == SHARE_IMAGE.read_bytes() and picture.content_type == "image/png"
    assert files == {}  # nothing else


def test_behind_the_cdn_the_share_card_has_absolute_addresses_on_the_site():
    site = web.Site(web.WEB_DIR)
    files = {f.key: f for f in web.cdn_bundle(site, "api/", "https://thi.songcong.gov.vn/")}
    page = files["index.html"].body.decode()
    assert '<meta property="og:url" content="https://thi.songcong.gov.vn/">' in page
    # the picture is the bucket's own file: a crawler gets bytes whatever it accepts
    assert '<meta property="og:image" content="https://thi.songcong.gov.vn/share.png">' in page


def test_every_servable_file_of_the_web_folder_is_in_the_bundle(site):
    keys = {f.key for f in web.cdn_bundle(site, "api/")}
    for path in web.WEB_DIR.iterdir():
        if path.suffix in web.CONTENT_TYPES and path.name not in web.PAGE_NAMES:
            assert f"static/{path.name}" in keys


def test_a_page_without_the_api_base_meta_is_refused(tmp_path):
    (tmp_path / "index.html").write_text("<html><head></head></html>", encoding="utf-8")
    with pytest.raises(RuntimeError, match="api-base"):
        web.cdn_bundle(web.Site(tmp_path), "api/")


def test_publish_puts_each_file_with_its_headers_then_invalidates_the_pages(site):
    calls: list[tuple[str, dict]] = []

    class Recorder:
        def __init__(self, service: str) -> None:
            self.service = service

        def __getattr__(self, name):
            return lambda **kwargs: calls.append((f"{self.service}.{name}", kwargs))

    count = deploy_static.publish(Recorder("s3"), Recorder("cloudfront"), "bucket", "DIST", site, "ref-1")
    puts = [kwargs for name, kwargs in calls if name == "s3.put_object"]
    assert count == len(puts) == len(web.cdn_bundle(site, "api/"))
    index = next(p for p in puts if p["Key"] == "index.html")
    assert index["ContentType"].startswith("text/html") and index["CacheControl"] == "no-cache"
    assert b'content="api/"' in index["Body"]
    name, invalidation = calls[-1]
    assert name == "cloudfront.create_invalidation" and invalidation["DistributionId"] == "DIST"
    assert set(invalidation["InvalidationBatch"]["Paths"]["Items"]) >= {"/", "/admin"}


def test_the_cdn_sends_the_same_security_headers_as_the_api():
    parameters = deploy_static.stack_parameters(
        "songcong-prod", "https://abc123.execute-api.ap-southeast-1.amazonaws.com/api/", "o" * 48
    )
    assert parameters["ApiDomain"] == "abc123.execute-api.ap-southeast-1.amazonaws.com"
    assert parameters["OriginSecret"] == "o" * 48
    assert parameters["SiteCsp"] == web.page_headers()["Content-Security-Policy"]
    assert parameters["ConsoleCsp"].endswith("frame-ancestors 'none'")
    policies = TEMPLATE["Resources"]
    console = policies["ConsoleHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert console["ContentSecurityPolicy"]["ContentSecurityPolicy"] == {"Ref": "ConsoleCsp"}
    assert console["FrameOptions"]["FrameOption"] == "DENY"
    site_headers = policies["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert site_headers["ContentSecurityPolicy"]["ContentSecurityPolicy"] == {"Ref": "SiteCsp"}
    assert "FrameOptions" not in site_headers  # the city portal may frame the page


def test_the_bucket_is_private_and_read_only_by_this_distribution():
    resources = TEMPLATE["Resources"]
    block = resources["SiteBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
    statement = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert (
        "distribution/${Distribution}" in statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    )


def test_the_api_is_under_api_and_only_contest_is_cached_at_most_60_seconds():
    config = TEMPLATE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert behaviors["/api/*"]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert "POST" in behaviors["/api/*"]["AllowedMethods"]
    assert behaviors["/api/contest"]["CachePolicyId"] == {"Ref": "ContestCache"}
    ttl = TEMPLATE["Resources"]["ContestCache"]["Properties"]["CachePolicyConfig"]
    assert ttl["MaxTTL"] <= 60 and ttl["DefaultTTL"] <= 60
    assert behaviors["/admin"]["ResponseHeadersPolicyId"] == {"Ref": "ConsoleHeaders"}


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function")
@pytest.mark.parametrize(
    ("uri", "query", "expected"),
    [
        ("/", {}, "/index.html"),
        ("/", {"embed": {"value": "1"}}, "/embed.html"),
        ("/index.html", {"embed": {"value": "0"}}, "/index.html"),
        ("/admin", {}, "/admin.html"),
        ("/static/app.0123456789.js", {}, "/static/app.0123456789.js"),
        ("/poster.pdf", {}, "/poster.pdf"),
    ],
)
def test_the_cloudfront_function_maps_the_pages(uri, query, expected):
    code = TEMPLATE["Resources"]["PageRewrite"]["Properties"]["FunctionCode"]
    event = {"request": {"uri": uri, "querystring": query, "headers": {"x-viewer-ip": {"value": "1.2.3.4"}}}}
    event["viewer"] = {"ip": "203.0.113.7"}
    script = f"{code}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["uri"] == expected
    # AND the viewer's address goes with it, whatever the viewer claimed
    assert json.loads(out)["headers"]["x-viewer-ip"] == {"value": "203.0.113.7"}


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function")
def test_the_cloudfront_function_redirects_admin_with_a_slash():
    code = TEMPLATE["Resources"]["PageRewrite"]["Properties"]["FunctionCode"]
    event = {"request": {"uri": "/admin/", "querystring": {}, "headers": {}}, "viewer": {"ip": "203.0.113.7"}}
    out = subprocess.run(
        ["node", "-e", f"{code}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    reply = json.loads(out)
    assert reply["statusCode"] == 301 and reply["headers"]["location"]["value"] == "/admin"


def test_a_stage_behind_the_cdn_serves_no_pages_and_one_without_it_does():
    config = {"stages": {"prod": {"environment_variables": {}}}}
    assert (
        stage_config(config, "prod", "arn", "p")["stages"]["prod"]["environment_variables"]["SERVE_PAGES"]
        == "off"
    )
    merged = stage_config(config, "prod", "arn", "p", static_site=False)
    assert merged["stages"]["prod"]["environment_variables"]["SERVE_PAGES"] == "on"
    assert load_settings({}).serve_pages is True
    assert load_settings({"SERVE_PAGES": "off"}).serve_pages is False


def test_with_pages_off_the_page_routes_answer_404_json(monkeypatch):
    from chalice.test import Client

    import app as application

    settings = replace(load_settings({"DYNAMODB_ENDPOINT": "http://unused"}), serve_pages=False)
    monkeypatch.setattr(web, "get_settings", lambda: settings)
    with Client(application.app) as client:
        for path in ("/", "/admin", "/static/app.js"):
            reply = client.http.get(path)
            assert reply.status_code == 404
            assert json.loads(reply.body)["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-origin-verify": "s" * 40, "x-viewer-ip": "203.0.113.7"}, "203.0.113.7"),  # through the CDN
        ({"x-origin-verify": "wrong", "x-viewer-ip": "203.0.113.7"}, "198.51.100.1"),  # around it
        ({"x-viewer-ip": "203.0.113.7"}, "198.51.100.1"),
        ({"x-origin-verify": "s" * 40}, "198.51.100.1"),
    ],
)
def test_the_viewer_address_is_believed_only_with_the_origin_secret(headers, expected):
    from types import SimpleNamespace

    from chalicelib.http import client_address

    request = SimpleNamespace(headers=headers, context={"identity": {"sourceIp": "198.51.100.1"}})
    assert client_address(request, "s" * 40) == expected
    assert client_address(request, None) == "198.51.100.1"  # no CDN: API Gateway's address


def test_the_cdn_sends_the_origin_secret_to_the_api_and_the_waf_blocks_requests_without_it():
    origins = TEMPLATE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    for origin in origins[1:]:
        assert origin["OriginCustomHeaders"] == [
            {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Ref": "OriginSecret"}}
        ]
    assert TEMPLATE["Parameters"]["OriginSecret"]["NoEcho"] is True
    waf = json.loads((ROOT / "infra" / "waf.json").read_text(encoding="utf-8"))
    rules = waf["Resources"]["WebAcl"]["Properties"]["Rules"]
    guard = rules[0]["Fn::If"][1]
    match = guard["Statement"]["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "x-origin-verify"}}
    assert match["SearchString"] == {"Ref": "OriginSecret"}
    for rule in rules[1:]:
        rate = rule["Statement"]["RateBasedStatement"]
        assert rate["ForwardedIPConfig"]["Fn::If"][1]["HeaderName"] == "X-Viewer-Ip"


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function")
def test_the_poster_is_asked_for_as_a_pdf_whatever_the_browser_accepts():
    code = TEMPLATE["Resources"]["PageRewrite"]["Properties"]["FunctionCode"]
    event = {
        "request": {
            "uri": "/poster.pdf",
            "querystring": {},
            "headers": {"accept": {"value": "text/html,*/*"}},
        },
        "viewer": {"ip": "203.0.113.7"},
    }
    out = subprocess.run(
        ["node", "-e", f"{code}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["headers"]["accept"] == {"value": "application/pdf"}


def test_the_distribution_takes_the_cloudfront_web_acl_when_given_and_none_when_empty():
    parameter = TEMPLATE["Parameters"]["WebAclArn"]
    assert parameter["Default"] == ""  # --api rest, or a stage without the WAF
    arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/songcong-prod-waf/0123abcd-4567-89ef-0123-456789abcdef"
    assert re.fullmatch(parameter["AllowedPattern"], arn)
    assert re.fullmatch(parameter["AllowedPattern"], "")
    # a REGIONAL web ACL (the REST API's) cannot be set on a distribution
    assert not re.fullmatch(
        parameter["AllowedPattern"], arn.replace("us-east-1", "ap-southeast-1").replace("global", "regional")
    )
    assert TEMPLATE["Conditions"]["HasWebAcl"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}
    config = TEMPLATE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}


def test_the_api_origins_reach_the_api_stage_of_either_api_gateway():
    """The HTTP API's stage is api as the REST API's: /api/contest -> https://<domain>/api/contest,
    /verify/x -> https://<domain>/api/verify/x, with the domain of either (ApiDomain)."""
    from scripts.deploy import API_STAGE

    origins = {
        o["Id"]: o
        for o in TEMPLATE["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    }
    assert "OriginPath" not in origins["api"]  # the viewer's /api/... is the stage's path
    assert origins["api-public-pages"]["OriginPath"] == f"/{API_STAGE}"
    for name in ("api", "api-public-pages"):
        assert origins[name]["DomainName"] == {"Ref": "ApiDomain"}
    http_api = json.loads((ROOT / "infra" / "http_api.json").read_text(encoding="utf-8"))
    assert http_api["Resources"]["Stage"]["Properties"]["StageName"] == API_STAGE
    parameters = deploy_static.stack_parameters(
        "songcong-prod", "https://h1b2c3.execute-api.ap-southeast-1.amazonaws.com/api/", "o" * 48
    )
    assert parameters["ApiDomain"] == "h1b2c3.execute-api.ap-southeast-1.amazonaws.com"


def test_cfn_lint_finds_nothing_in_the_static_template():
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(ROOT / "infra" / "static.json", config=ManualArgs(regions=["ap-southeast-1"]))
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []
