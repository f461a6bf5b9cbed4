"""How long a phone takes to solve the registration proof of work, by ``max_number``.

A loopback HTTP server (127.0.0.1, a free port, no other traffic) serves a minimal page with
the vendored widget (``chalicelib/web/altcha.js``, its CSS and worker) under the app's own
security headers (so the CSP is exercised too) and ``GET /challenge?max=N`` built with
``issue_challenge``. Debian's chromium, driven by Playwright at 360×740, calls the widget's
``verify()`` and times it until the widget reports the "verified" state: challenge fetch,
solving in the widget's web workers (as many as the page would start) and, with
``minDuration`` at 0, nothing else.

A low-end phone is emulated with CPU throttling 4× (CDP ``Emulation.setCPUThrottlingRate``).
Chromium applies it to the page's thread only, not to web workers (it refuses the call on a
worker target), and the hashing runs in workers; so the table also gives a "phone estimate":
each run with the workers' solving time (the payload's ``took``) multiplied by 4 as well.
The recommendation is made from that estimate. One run per ``max_number`` is unthrottled.
The number to find is uniform in [0, max_number], so a solve scans half of the range on
average and single runs vary a lot: the recommendation uses the cost per number scanned.

Usage: .venv/bin/python benchmarks/challenge_solve.py [--runs 9] [--max-numbers 20000,50000,100000,200000]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.integrity.pow import issue_challenge  # noqa: E402
from chalicelib.routes.web import CONTENT_TYPES, page_headers  # noqa: E402
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

WEB = ROOT / "chalicelib" / "web"
VIEWPORT = {"width": 360, "height": 740}
THROTTLE = 4
TARGET_SECONDS = 1.0
RUN_TIMEOUT_S = 60
HMAC_KEY = "benchmark-only-key"

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ALTCHA benchmark</title>
<link rel="stylesheet" href="altcha.css">
<script type="module" src="altcha.js"></script>
<script type="module" src="bench.js"></script>
</head><body><form>
<altcha-widget challenge="challenge" auto="off" language="vi"
  configuration='{"hideFooter": true, "hideLogo": true, "humanInteractionSignature": false, "minDuration": 0}'>
</altcha-widget></form></body></html>
"""
# What app.js does after loading the widget, plus a timer around verify().
BENCH_JS = """
$altcha.algorithms.set('SHA-256', () => new Worker('altcha-worker.js'));
window.solveOnce = (maxNumber) => new Promise((resolve) => {
  const widget = document.querySelector('altcha-widget');
  widget.configure({ challenge: `challenge?max=${maxNumber}` });
  widget.reset();
  const start = performance.now();
  const done = (e) => {
    const state = e.detail.state;
    if (state === 'verifying' || state === 'unverified') return; // reset()'s event comes late
    widget.removeEventListener('statechange', done);
    resolve({ state, seconds: (performance.now() - start) / 1000, payload: e.detail.payload || null });
  };
  widget.addEventListener('statechange', done);
  widget.verify();
});
"""


@dataclass(frozen=True)
class Run:
    seconds: float  # verify() to "verified", as measured
    solving_seconds: float  # of which the workers' solving (the payload's "took")
    number: int  # the number found

    @property
    def phone_seconds(self) -> float:
        """The run on a CPU THROTTLE times slower everywhere: CDP throttles the page, and
        the workers' part is scaled here (chromium does not throttle workers)."""
        return self.seconds + (THROTTLE - 1) * self.solving_seconds


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, body: bytes, content_type: str, cache: str = "no-store") -> None:
        self.send_response(200)
        for name, value in {**page_headers(), "Content-Type": content_type}.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            return self._send(PAGE.encode(), CONTENT_TYPES[".html"])
        if url.path == "/bench.js":
            return self._send(BENCH_JS.encode(), CONTENT_TYPES[".js"])
        if url.path == "/challenge":
            max_number = int(urllib.parse.parse_qs(url.query).get("max", ["50000"])[0])
            challenge = issue_challenge(
                hmac_key=HMAC_KEY, max_number=max_number, now_s=int(time.time()), ttl_s=600
            )
            return self._send(json.dumps(challenge).encode(), "application/json")
        name = url.path.lstrip("/")
        if name in ("altcha.js", "altcha.css", "altcha-worker.js"):
            # Cached, as the app's versioned assets are: the worker script is not fetched again.
            content_type = CONTENT_TYPES["." + name.rsplit(".", 1)[1]]
            return self._send((WEB / name).read_bytes(), content_type, "public, max-age=3600")
        self.send_error(404)


@contextmanager
def loopback_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def altcha_import_seconds(runs: int = 5) -> tuple[float, float, str]:
    """Median wall time of ``import altcha`` in a fresh interpreter, alone and after botocore
    (which the Lambda loads anyway, with the stdlib HTTP modules altcha imports), and the
    ``-X importtime`` line of the package (self | cumulative µs)."""

    def median_seconds(before: str) -> float:
        probe = f"{before}import time; t = time.perf_counter(); import altcha; print(time.perf_counter() - t)"
        return statistics.median(
            float(
                subprocess.run(
                    [sys.executable, "-c", probe], capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(runs)
        )

    subprocess.run([sys.executable, "-c", "import altcha, botocore.session"], check=True)  # bytecode cache
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import altcha"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    line = next((row for row in trace.splitlines() if row.rstrip().endswith("| altcha")), "")
    return median_seconds(""), median_seconds("import botocore.session; "), line.strip()


def _wait_for(page, predicate: str, timeout_s: float = 30) -> None:
    """Poll a predicate with ``evaluate`` (Playwright's wait_for_function uses eval, which
    the page's CSP rightly refuses)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {predicate}")
        time.sleep(0.05)


def _payload_fields(payload: str) -> dict:
    return json.loads(base64.b64decode(payload))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=9, help="throttled runs per max_number (default 9)")
    parser.add_argument("--max-numbers", default="20000,50000,100000,200000")
    args = parser.parse_args(argv)
    max_numbers = [int(n) for n in args.max_numbers.split(",")]

    from playwright.sync_api import sync_playwright

    throttled: dict[int, list[Run]] = {}
    unthrottled: dict[int, Run] = {}
    with loopback_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        # Only the loopback server: a request elsewhere would be a bug in the widget.
        context.route(lambda url: not url.startswith(base), lambda route: route.abort())
        page = context.new_page()
        page.goto(base)
        _wait_for(page, "() => typeof window.solveOnce === 'function'")
        workers = page.evaluate("navigator.hardwareConcurrency")
        session = context.new_cdp_session(page)

        def solve(max_number: int, rate: int) -> Run:
            session.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            result = page.evaluate(
                "([n, ms]) => Promise.race([solveOnce(n),"
                " new Promise((r) => setTimeout(() => r({ state: 'timeout' }), ms))])",
                [max_number, RUN_TIMEOUT_S * 1000],
            )
            if result["state"] != "verified":
                raise SystemExit(f"max_number {max_number}: the widget ended in state {result['state']}")
            fields = _payload_fields(result["payload"])
            return Run(result["seconds"], fields["took"] / 1000, fields["number"])

        solve(1000, 1)  # warm-up: script compiled, worker script cached
        for max_number in max_numbers:
            unthrottled[max_number] = solve(max_number, 1)
            throttled[max_number] = [solve(max_number, THROTTLE) for _ in range(args.runs)]
        session.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        browser.close()

    print(
        f"ALTCHA widget, chromium {VIEWPORT['width']}x{VIEWPORT['height']}, {workers} web workers "
        f"(hardwareConcurrency), {args.runs} runs per max_number at {THROTTLE}x, 1 unthrottled"
    )
    print("seconds from verify() to the 'verified' state:")
    print(f"  'CDP {THROTTLE}x': Emulation.setCPUThrottlingRate; chromium applies it to the page only,")
    print("     not to the web workers that do the hashing (it refuses the call on a worker target)")
    print(f"  'phone est.': the same runs with the workers' solving time (the payload's 'took') x{THROTTLE},")
    print(f"     i.e. a CPU {THROTTLE}x slower everywhere")
    header = (
        f"{'max_number':>10} | {'CDP ' + str(THROTTLE) + 'x median':>15} {'min':>5} {'max':>5} | "
        f"{'phone est. median':>17} {'min':>5} {'max':>5} | {'unthrottled':>11}"
    )
    print(header)
    print("-" * len(header))
    for max_number in max_numbers:
        runs = throttled[max_number]
        measured = [run.seconds for run in runs]
        phone = [run.phone_seconds for run in runs]
        print(
            f"{max_number:>10} | {statistics.median(measured):>15.2f} {min(measured):>5.2f} {max(measured):>5.2f} | "
            f"{statistics.median(phone):>17.2f} {min(phone):>5.2f} {max(phone):>5.2f} | "
            f"{unthrottled[max_number].seconds:>11.2f}"
        )
    # The number to find is uniform in [0, max_number]: the median solve scans half the range,
    # so the per-number cost (from every run: time / number found) predicts the median.
    all_runs = [run for runs in throttled.values() for run in runs if run.number > 1000]
    per_number = statistics.median(run.phone_seconds / run.number for run in all_runs)
    overhead = statistics.median(run.seconds - run.solving_seconds for run in all_runs)
    recommended = max(5000, int((TARGET_SECONDS - overhead) * 2 / per_number) // 5000 * 5000)
    print(
        f"phone est.: {per_number * 1e6:.1f} µs per number scanned, {overhead * 1000:.0f} ms besides solving; "
        f"recommended max_number for a ~{TARGET_SECONDS:.0f} s median: {recommended}"
    )
    alone, after_botocore, trace = altcha_import_seconds()
    print(
        f"import altcha (Python), median of fresh interpreters: {alone * 1000:.1f} ms alone, "
        f"{after_botocore * 1000:.1f} ms more once botocore is loaded (as in the Lambda)"
    )
    print(f"  -X importtime (self | cumulative µs | module): {trace}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
