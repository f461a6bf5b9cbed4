"""Weight of a first visit to each page, gzipped: the participant page (``/``) and the
organizer console (``/admin``, its sign-in screen): HTML, CSS, JS and icons.

The budget is 60 KB gzipped in all for each page (API Gateway compresses responses over
``minimum_compression_size``). By default the pages are served in-process by the web blueprint
(no database needed); ``--url`` measures a running app instead and then also counts the
``GET contest`` JSON the participant page loads on its first screen. Files a page's scripts
load later by name (``'static/<name>'``: the registration widget, the dashboard's charts) are
listed apart, as "later"; they are not part of the first visit.

Usage: python scripts/page_weight.py [--url http://127.0.0.1:8000/] [--budget 61440] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

BUDGET_BYTES = 60 * 1024
_REFERENCES = re.compile(r"""(?:href|src)="(static/[^"]+)\"""")
_CSS_URLS = re.compile(r"""url\(["']?(?!data:)([^"')]+)["']?\)""")
_SCRIPT_NAMES = re.compile(r"""['"](static/[a-z0-9][a-z0-9.-]*\.[a-z]+)['"]""")
# (label, path of the page under the app's root)
PAGES = (("participant page", ""), ("organizer console", "admin"))
_HTML_NAMES = {"": "index.html", "admin": "console.html"}

Fetch = Callable[[str], bytes]


def in_process_fetcher() -> Fetch:
    """Serve the page through the blueprint with Chalice's test client."""
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.routes.web import web_routes

    app = Chalice(app_name="page-weight")
    app.register_blueprint(web_routes)
    client = Client(app)

    def fetch(path: str) -> bytes:
        response = client.http.get("/" + path)
        if response.status_code != 200:
            raise SystemExit(f"GET /{path} answered {response.status_code}")
        return response.body

    return fetch


def url_fetcher(base_url: str) -> Fetch:
    base = base_url.rstrip("/") + "/"

    def fetch(path: str) -> bytes:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "identity"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    return fetch


def _gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6, mtime=0))


def first_visit(fetch: Fetch, *, with_api: bool, page: str = "") -> list[tuple[str, int, int]]:
    """(path, raw bytes, gzipped bytes) of everything the first screen of ``page`` loads."""
    html = fetch(page)
    paths = ["", *dict.fromkeys(_REFERENCES.findall(html.decode("utf-8")))]
    rows = []
    for path in paths:
        body = html if path == "" else fetch(path)
        rows.append((path or f"({_HTML_NAMES.get(page, page)})", len(body), _gzipped(body)))
        if path.endswith(".css"):
            for extra in _CSS_URLS.findall(body.decode("utf-8")):
                target = extra if extra.startswith("static/") else f"static/{extra}"
                if target not in paths:
                    paths.append(target)
    if with_api:
        body = fetch("contest")
        rows.append(("contest (API)", len(body), _gzipped(body)))
    return rows


def loaded_later(fetch: Fetch, page: str = "") -> list[tuple[str, int, int]]:
    """Files the page's scripts name (``'static/<name>'``) and load on some screen only."""
    html = fetch(page).decode("utf-8")
    scripts = [p for p in dict.fromkeys(_REFERENCES.findall(html)) if p.endswith(".js")]
    named = dict.fromkeys(n for path in scripts for n in _SCRIPT_NAMES.findall(fetch(path).decode("utf-8")))
    return [(path, len(body), _gzipped(body)) for path in named for body in (fetch(path),)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--url", help="measure a running app (also counts GET contest)")
    parser.add_argument(
        "--budget", type=int, default=BUDGET_BYTES, help="gzipped bytes allowed in all, per page"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    fetch = url_fetcher(args.url) if args.url else in_process_fetcher()
    report = {}
    for label, page in PAGES:
        rows = first_visit(fetch, with_api=bool(args.url) and page == "", page=page)
        gzip_total = sum(packed for _, _, packed in rows)
        report[label] = {
            "path": "/" + page,
            "files": [{"path": p, "bytes": r, "gzip_bytes": g} for p, r, g in rows],
            "total_bytes": sum(raw for _, raw, _ in rows),
            "total_gzip_bytes": gzip_total,
            "within_budget": gzip_total <= args.budget,
            "later": [{"path": p, "bytes": r, "gzip_bytes": g} for p, r, g in loaded_later(fetch, page)],
        }
    within = all(entry["within_budget"] for entry in report.values())
    if args.json:
        print(json.dumps({"pages": report, "budget_gzip_bytes": args.budget, "within_budget": within}))
        return 0 if within else 1
    for label, entry in report.items():
        files = entry["files"] + entry["later"]
        width = max(len(f["path"]) for f in files) + 8
        print(f"{label} ({entry['path']}), first visit")
        print(f"  {'file':<{width}}  {'bytes':>8}  {'gzip':>8}")
        for f in entry["files"]:
            print(f"  {f['path']:<{width}}  {f['bytes']:>8}  {f['gzip_bytes']:>8}")
        print(f"  {'total':<{width}}  {entry['total_bytes']:>8}  {entry['total_gzip_bytes']:>8}")
        for f in entry["later"]:
            print(f"  {'later: ' + f['path']:<{width}}  {f['bytes']:>8}  {f['gzip_bytes']:>8}")
        total = entry["total_gzip_bytes"]
        verdict = "within" if entry["within_budget"] else "OVER"
        print(
            f"  first visit: {total} bytes gzipped ({total / 1024:.1f} KB), {verdict} the {args.budget / 1024:.0f} KB budget\n"
        )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
