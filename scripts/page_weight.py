"""Weight of a first visit to the participant page: HTML, CSS, JS and icons, gzipped.

The budget is 60 KB gzipped in all (API Gateway compresses responses over
``minimum_compression_size``). By default the page is served in-process by the web blueprint
(no database needed); ``--url`` measures a running app instead and then also counts the
``GET contest`` JSON the page loads on its first screen.

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


def first_visit(fetch: Fetch, *, with_api: bool) -> list[tuple[str, int, int]]:
    """(path, raw bytes, gzipped bytes) of everything the first screen loads."""
    html = fetch("")
    paths = ["", *dict.fromkeys(_REFERENCES.findall(html.decode("utf-8")))]
    rows = []
    for path in paths:
        body = html if path == "" else fetch(path)
        rows.append((path or "(index.html)", len(body), len(gzip.compress(body, compresslevel=6, mtime=0))))
        if path.endswith(".css"):
            for extra in _CSS_URLS.findall(body.decode("utf-8")):
                target = extra if extra.startswith("static/") else f"static/{extra}"
                if target not in paths:
                    paths.append(target)
    if with_api:
        body = fetch("contest")
        rows.append(("contest (API)", len(body), len(gzip.compress(body, compresslevel=6, mtime=0))))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--url", help="measure a running app (also counts GET contest)")
    parser.add_argument("--budget", type=int, default=BUDGET_BYTES, help="gzipped bytes allowed in all")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    fetch = url_fetcher(args.url) if args.url else in_process_fetcher()
    rows = first_visit(fetch, with_api=bool(args.url))
    raw_total = sum(raw for _, raw, _ in rows)
    gzip_total = sum(packed for _, _, packed in rows)
    within = gzip_total <= args.budget
    if args.json:
        print(
            json.dumps(
                {
                    "files": [{"path": p, "bytes": r, "gzip_bytes": g} for p, r, g in rows],
                    "total_bytes": raw_total,
                    "total_gzip_bytes": gzip_total,
                    "budget_gzip_bytes": args.budget,
                    "within_budget": within,
                }
            )
        )
    else:
        width = max(len(path) for path, _, _ in rows)
        print(f"{'file':<{width}}  {'bytes':>8}  {'gzip':>8}")
        for path, raw, packed in rows:
            print(f"{path:<{width}}  {raw:>8}  {packed:>8}")
        print(f"{'total':<{width}}  {raw_total:>8}  {gzip_total:>8}")
        verdict = "within" if within else "OVER"
        print(
            f"first visit: {gzip_total} bytes gzipped ({gzip_total / 1024:.1f} KB), {verdict} the "
            f"{args.budget / 1024:.0f} KB budget"
        )
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
