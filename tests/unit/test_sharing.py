"""The public addresses printed in QR codes and share cards, from settings or the request."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from chalicelib.artefacts.sharing import PublicBases, public_bases, qr_svg, with_absolute_share_urls
from chalicelib.settings import load_settings

SETTINGS = load_settings({"STAGE": "dev"})


def _request(path: str, actual: str, host: str = "abc.execute-api.vn", proto: str = "https", **params: str):
    return SimpleNamespace(
        path=path,
        uri_params=params or None,
        headers={"host": host, "x-forwarded-proto": proto},
        context={"path": actual},
    )


def test_the_stage_path_of_api_gateway_is_kept():
    # GIVEN the page asked for at /api/ on API Gateway's own address
    bases = public_bases(_request("/", "/api/"), SETTINGS)
    assert bases == PublicBases("https://abc.execute-api.vn/api/", "https://abc.execute-api.vn/api/")
    # AND a verify page under the stage
    verify = _request("/verify/{code}", "/api/verify/ABCD-EFGH-JKMN", code="ABCD-EFGH-JKMN")
    assert public_bases(verify, SETTINGS).page == "https://abc.execute-api.vn/api/"


def test_a_configured_address_wins_and_behind_the_cdn_the_api_is_under_api():
    request = _request("/", "/")
    configured = replace(SETTINGS, public_base_url="https://thi.songcong.gov.vn")
    assert public_bases(request, configured) == PublicBases(
        "https://thi.songcong.gov.vn/", "https://thi.songcong.gov.vn/"
    )
    behind_cdn = replace(configured, serve_pages=False)
    assert public_bases(request, behind_cdn).api == "https://thi.songcong.gov.vn/api/"


def test_a_forged_host_or_scheme_never_reaches_a_printed_address():
    bases = public_bases(_request("/", "/", host='evil"><script>', proto="javascript"), SETTINGS)
    assert bases.page in ("https://localhost/", "http://localhost/")


def test_share_urls_are_made_absolute_and_escaped():
    page = '<meta property="og:url" content="./"><meta property="og:image" content="share.png">'
    shared = with_absolute_share_urls(page, PublicBases("https://a.vn/", "https://a.vn/api/"))
    assert shared == (
        '<meta property="og:url" content="https://a.vn/"><meta property="og:image" content="https://a.vn/share.png">'
    )  # the picture beside the page: behind the CDN a file of the bucket, sent as bytes to any crawler


def test_the_qr_svg_scales_and_names_itself():
    svg = qr_svg("https://a.vn/", "Mã QR mở trang cuộc thi")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'viewBox="0 0 ' in svg
    assert "<title>Mã QR mở trang cuộc thi</title>" in svg
