"""Where the public pages live, the page's QR code (segno, server-side SVG) and the share
card's absolute URLs.

A QR code or a share card needs an absolute address. ``settings.public_base_url`` names it
where the site has its own domain (and must, behind the CDN, where the API is under ``api/``);
otherwise it is the address the request came to: the host and API Gateway's stage path.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.settings import Settings

# The Open Graph / Twitter tags of index.html carry these relative values; each page response
# makes them absolute, as Facebook and Zalo require.
SHARE_IMAGE = Path(__file__).resolve().parent / "share.png"  # 1200x630, scripts/make_share_image.py
SHARE_IMAGE_REF = 'content="share.png"'
PAGE_URL_REF = 'content="./"'
API_UNDER_CDN = "api/"
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$")


@dataclass(frozen=True)
class PublicBases:
    """The participant page's address and the API's (the same unless a CDN serves the page)."""

    page: str
    api: str


def public_bases(request: Any, settings: Settings) -> PublicBases:
    if settings.public_base_url:
        page = settings.public_base_url.rstrip("/") + "/"
        return PublicBases(page, page if settings.serve_pages else page + API_UNDER_CDN)
    headers = request.headers or {}
    host = headers.get("host") or "localhost"
    if not _HOST.match(host):
        host = "localhost"
    proto = (headers.get("x-forwarded-proto") or "").split(",")[0].strip()
    if proto not in ("http", "https"):
        proto = "https" if settings.strict_transport_security else "http"
    context = request.context or {}
    actual = context.get("path") or "/"
    resource = _resource_path(request)
    prefix = actual[: len(actual) - len(resource)] if resource and actual.endswith(resource) else ""
    base = f"{proto}://{host}{prefix}/"
    return PublicBases(base, base)


def _resource_path(request: Any) -> str:
    """The route's path with its parameters filled in, as it ends the request's path."""
    template = getattr(request, "path", "") or ""
    params = request.uri_params or {}
    try:
        return template.format(**params) if params else template
    except (KeyError, IndexError, ValueError):
        return template


def qr_svg(text: str, title: str) -> str:
    """An accessible SVG QR code of ``text`` (level M, 4-module quiet zone), for an ``<img>``."""
    import segno  # only the routes that draw a code load it

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=6,
        border=4,
        light="#fff",
        title=title,
        svgclass=None,
        lineclass=None,
        encoding="utf-8",
    )
    svg = out.getvalue().decode("utf-8")
    # A viewBox lets the picture scale with the <img> that shows it.
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    return svg.replace(size[0], f'{size[0]} viewBox="0 0 {size[1]} {size[2]}"', 1)


def with_absolute_share_urls(page: str, bases: PublicBases) -> str:
    """index.html with its share card's image and page URLs made absolute. The picture is
    the page's neighbour: behind the CDN it is a file of the bucket, which a crawler gets as
    bytes whatever it accepts (API Gateway would send it base64 unless asked for image/png)."""
    image = html.escape(bases.page + "share.png", quote=True)
    url = html.escape(bases.page, quote=True)
    return page.replace(SHARE_IMAGE_REF, f'content="{image}"').replace(PAGE_URL_REF, f'content="{url}"')
