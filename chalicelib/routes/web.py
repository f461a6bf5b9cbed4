"""The web pages served by the API itself: the participant page (``GET /``), the organizer
console (``GET /admin``) and their text assets.

Serving the pages from the same origin as the API keeps the Content-Security-Policy at 'self'
and avoids CORS. Every URL in a page is relative, so it works under any API Gateway stage
path (``/api/``). Assets are text only (HTML, CSS, JS, SVG), which spares API Gateway's binary
media handling; compression is left to API Gateway (``minimum_compression_size``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.artefacts.sharing import SHARE_IMAGE, PublicBases, public_bases, with_absolute_share_urls
from chalicelib.container import get_services
from chalicelib.errors import ContestError
from chalicelib.settings import ConfigurationError, Settings, get_settings

web_routes = Blueprint(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
INDEX_NAME = "index.html"
CONSOLE_NAME = "console.html"
# Pages are rendered (their asset names versioned), never served as assets themselves.
PAGE_NAMES = frozenset({INDEX_NAME, CONSOLE_NAME})

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
}

# The page may be framed by itself and by the origins of ``settings.embed_origins`` (the city
# portal); nobody else. A source expression of CSP: scheme, host (a leading "*." allowed), port.
_EMBED_ORIGIN = re.compile(
    r"^https?://(?:\*\.)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?$", re.IGNORECASE
)

STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def frame_ancestors(settings: Settings) -> str:
    """``'self'`` and the embedding origins; a malformed one fails loudly, since it could
    otherwise end the directive early (``;``) or open framing to any site."""
    for origin in settings.embed_origins:
        if not _EMBED_ORIGIN.match(origin):
            raise ConfigurationError(
                f"EMBED_ORIGINS: {origin!r} is not an origin such as https://example.gov.vn"
            )
    return " ".join(("'self'", *settings.embed_origins))


def content_security_policy(settings: Settings) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            # The registration widget solves its proof of work in web workers loaded from our
            # origin (never blob:). Safari before 15.5 knows no worker-src and reads child-src
            # for workers; child-src would also admit frames, which frame-src keeps out.
            "worker-src 'self'",
            "child-src 'self'",
            "frame-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors(settings)}",
        )
    )


def security_headers(settings: Settings) -> dict[str, str]:
    """The headers of every page and asset response. HSTS only where the site is HTTPS
    (``settings.strict_transport_security``; off on the local stack)."""
    headers = {"Content-Security-Policy": content_security_policy(settings), **BASE_HEADERS}
    if settings.strict_transport_security:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


@functools.cache
def page_headers() -> dict[str, str]:
    """:func:`security_headers` of this process's settings, built once (settings are read
    lazily, so importing this module reads no environment)."""
    return security_headers(get_settings())


@functools.cache
def console_headers() -> dict[str, str]:
    """The console is never framed, not even by the city portal (clickjacking an organizer
    into publishing or disqualifying)."""
    headers = dict(page_headers())
    policy = headers["Content-Security-Policy"]
    headers["Content-Security-Policy"] = policy[: policy.index("frame-ancestors")] + "frame-ancestors 'none'"
    return {**headers, "X-Frame-Options": "DENY"}


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SHORT = "public, max-age=300"

_ASSET_NAME = re.compile(r"^(?P<stem>[a-z0-9][a-z0-9-]*)(?:\.(?P<digest>[0-9a-f]{10}))?(?P<ext>\.[a-z]+)$")
_ASSET_REF = re.compile(r"""(?P<attr>(?:href|src)=")static/(?P<name>[a-z0-9][a-z0-9-]*\.[a-z]+)(?=")""")
# A script names an asset it loads later (the registration widget) as a string literal
# 'static/<name>'; it gets the versioned name too, so that it may be cached for ever.
_SCRIPT_REF = re.compile(r"""(?P<attr>['"])static/(?P<name>[a-z0-9][a-z0-9-]*\.[a-z]+)(?=['"])""")


@dataclass(frozen=True)
class Asset:
    """A static file with its content hash; the hash versions its URL (``app.<hash>.js``)."""

    name: str
    body: str
    content_type: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body.encode()).hexdigest()[:10]

    @property
    def versioned_name(self) -> str:
        stem, ext = self.name.rsplit(".", 1)
        return f"{stem}.{self.digest}.{ext}"


class Site:
    """The pages and their assets, read from disk once per Lambda container."""

    def __init__(self, directory: Path) -> None:
        self.assets: dict[str, Asset] = {}
        for path in sorted(directory.iterdir()):
            content_type = CONTENT_TYPES.get(path.suffix)
            if path.is_file() and content_type and path.name not in PAGE_NAMES:
                self.assets[path.name] = Asset(path.name, path.read_text("utf-8"), content_type)
        self._version_script_references()
        template = (directory / INDEX_NAME).read_text("utf-8")
        self.index = {
            False: self._render_index(template, embed=False),
            True: self._render_index(template, embed=True),
        }
        console = directory / CONSOLE_NAME
        # The organizer console (no embed mode: it is never shown inside the city portal).
        self.console = (
            self._render_page(CONSOLE_NAME, console.read_text("utf-8")) if console.is_file() else None
        )

    def _version_script_references(self) -> None:
        """Rewrite ``'static/<name>'`` in scripts to the versioned name, as in the page.

        One level only: a script that names another asset changes with it (its own hash
        then versions the new URL), so a named asset must not name assets itself.
        """
        referring = {
            name: asset
            for name, asset in self.assets.items()
            if name.endswith(".js")
            and any(m["name"] in self.assets for m in _SCRIPT_REF.finditer(asset.body))
        }

        def versioned(match: re.Match[str]) -> str:
            name = match["name"]
            if name in referring:
                raise RuntimeError(f"{name} is loaded by a script and names other assets itself")
            asset = self.assets.get(name)
            return f"{match['attr']}static/{asset.versioned_name if asset else name}"

        for name, asset in referring.items():
            self.assets[name] = Asset(name, _SCRIPT_REF.sub(versioned, asset.body), asset.content_type)

    def _render_index(self, template: str, *, embed: bool) -> Asset:
        page = self._render_page(INDEX_NAME, template)
        if not embed:
            return page
        html = page.body.replace('<html lang="vi">', '<html lang="vi" class="embed">', 1)
        return Asset(INDEX_NAME, html, CONTENT_TYPES[".html"])

    def _render_page(self, name: str, template: str) -> Asset:
        """A page with each ``href``/``src="static/<name>"`` versioned by the asset's hash."""

        def versioned(match: re.Match[str]) -> str:
            asset = self.assets.get(match["name"])
            name = asset.versioned_name if asset else match["name"]
            return f"{match['attr']}static/{name}"

        return Asset(name, _ASSET_REF.sub(versioned, template), CONTENT_TYPES[".html"])

    def find(self, requested: str) -> tuple[Asset, str] | None:
        """The asset for a requested name and how long it may be cached.

        Only a name carrying the current hash may be cached for ever; a stale hash (a page
        cached before a deploy) still gets the current file, but must be revalidated.
        """
        match = _ASSET_NAME.match(requested)
        asset = self.assets.get(match["stem"] + match["ext"]) if match else None
        if asset is None:
            return None
        if match["digest"] is None:
            return asset, SHORT
        return asset, IMMUTABLE if match["digest"] == asset.digest else REVALIDATE


_SITE: Site | None = None


def get_site() -> Site:
    """Lazily read the assets (the seam tests can replace with another directory)."""
    global _SITE
    if _SITE is None:
        _SITE = Site(WEB_DIR)
    return _SITE


API_BASE_META = '<meta name="api-base" content="">'


@dataclass(frozen=True)
class BundleFile:
    """A file of the CDN's bucket: its key, bytes and the headers S3 stores with it."""

    key: str
    body: bytes
    content_type: str
    cache_control: str


def cdn_bundle(site: Site, api_base: str, public_base: str | None = None) -> list[BundleFile]:
    """Exactly what this module serves, as files for the CDN (``scripts/deploy_static.py``):
    the pages, told where the API is (``api_base``) and, with ``public_base``, carrying the
    share card's absolute addresses, revalidated on every visit; each asset under its
    versioned name, cached for ever, and under its plain name, briefly; the share card's
    picture. The CDN's function maps ``/``, ``/?embed=1`` and ``/admin`` to the three pages."""

    def page(key: str, asset: Asset, *, shared: bool = False) -> BundleFile:
        if API_BASE_META not in asset.body:
            raise RuntimeError(f"{asset.name} has no {API_BASE_META}")
        body = asset.body.replace(API_BASE_META, f'<meta name="api-base" content="{api_base}">', 1)
        if shared and public_base:
            body = with_absolute_share_urls(body, PublicBases(public_base, public_base + api_base))
        return BundleFile(key, body.encode(), asset.content_type, REVALIDATE)

    files = [
        page("index.html", site.index[False], shared=True),
        page("embed.html", site.index[True], shared=True),
        BundleFile("share.png", SHARE_IMAGE.read_bytes(), "image/png", SHORT),
    ]
    if site.console is not None:
        files.append(page("admin.html", site.console))
    for asset in site.assets.values():
        body = asset.body.encode()
        files.append(BundleFile(f"static/{asset.versioned_name}", body, asset.content_type, IMMUTABLE))
        files.append(BundleFile(f"static/{asset.name}", body, asset.content_type, SHORT))
    return files


def _respond(asset: Asset, cache_control: str, security: dict[str, str] | None = None) -> Response:
    etag = f'"{asset.digest}"'
    headers = {
        **(security or page_headers()),
        "Cache-Control": cache_control,
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "Content-Type": asset.content_type,
    }
    request_headers = web_routes.current_request.headers or {}
    if etag in (request_headers.get("if-none-match") or ""):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, status_code=200, headers=headers)


def _not_found() -> Response:
    error = ContestError("NOT_FOUND", 404)
    headers = {**page_headers(), "Content-Type": "application/json; charset=utf-8"}
    return Response(body=error.to_body(), status_code=404, headers=headers)


def _pages_elsewhere() -> bool:
    """Behind the CDN the API serves JSON only: the pages and their files come from S3."""
    return not get_settings().serve_pages


@web_routes.route("/", methods=["GET"])
def index_page() -> Response:
    if _pages_elsewhere():
        return _not_found()
    request = web_routes.current_request
    # "/api" without its slash would resolve the page's relative URLs against the host root.
    path = (request.context or {}).get("path") or "/"
    if not path.endswith("/"):
        location = path.rsplit("/", 1)[-1] + "/"
        return Response(body="", status_code=301, headers={**page_headers(), "Location": location})
    embed = (request.query_params or {}).get("embed") == "1"
    page = get_site().index[embed]
    # The share card's picture and address must be absolute for Zalo and Facebook (issue 11).
    shared = with_absolute_share_urls(page.body, public_bases(request, get_services().settings))
    return _respond(Asset(page.name, shared, page.content_type), REVALIDATE)


@web_routes.route("/admin", methods=["GET"])
def console_page() -> Response:
    """The organizer console. Its relative URLs resolve from ``…/admin`` to the stage root
    (``static/x`` → ``/static/x``, ``admin/me`` → ``/admin/me``), so ``…/admin/`` (which would
    resolve them under ``/admin/``) is redirected to ``…/admin``."""
    if _pages_elsewhere():
        return _not_found()
    request = web_routes.current_request
    path = (request.context or {}).get("path") or "/admin"
    if path.endswith("/"):
        return Response(body="", status_code=301, headers={**page_headers(), "Location": "../admin"})
    console = get_site().console
    if console is None:
        return _not_found()
    return _respond(console, REVALIDATE, console_headers())


@web_routes.route("/static/{name}", methods=["GET"])
def static_asset(name: str) -> Response:
    found = None if _pages_elsewhere() else get_site().find(name)
    if found is None:
        return _not_found()
    return _respond(*found)
