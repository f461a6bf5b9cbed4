"""The cost of an attempt, measured as a person makes it: the real page in Chromium at 360×740
on a local stack (tests/stack.py), DynamoDB units logged by the app itself (DDB_CAPACITY_LOG,
chalicelib/data/capacity.py: ReturnConsumedCapacity=INDEXES, transactions by AWS's rule).

A newcomer opens the page, registers (the proof-of-work widget solves itself), takes an
attempt as a person does (20 answers, one about every ``--pace`` seconds, 5 by default, with
one pause of ``--pause`` seconds after the 12th answer: about two minutes, in which the "every
20 seconds" save rule fires as often as it would for a person), answers the prediction and
submits; then takes a further attempt from the receipt ("Thi lượt khác").
Every request Chromium sends is counted, split into static (the page and /static/ assets)
and API; the write and read units of each step are summed from the log, the stream handler's
counters included (reported as their own step once the stream has been read).

Usage: .venv/bin/python benchmarks/attempt_cost.py [--pace 5.0] [--pause 22] [--json out.json]
       (make bench-attempt). Prices and the cost of 100,000 attempts: docs/capacity.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import expect, sync_playwright

from chalicelib.data.capacity import read_log
from tests.e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    QUESTIONS,
    Stack,
    answer_current_question,
    fill_registration,
    new_person,
)
from tests.stack import running_stack

PHONE = {"width": 360, "height": 740}
# List prices in USD as known in late 2025 (us-east-1; ap-southeast-1 is a little higher):
# check them on aws.amazon.com/pricing before quoting (docs/capacity.md).
PRICES = {
    "api_request": 3.50 / 1e6,  # API Gateway REST API, first 333 million a month
    "http_api_request": 1.00 / 1e6,  # API Gateway HTTP API, first 300 million a month
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,
    "wru": 0.625 / 1e6,  # DynamoDB on-demand write request unit
    "rru": 0.125 / 1e6,  # DynamoDB on-demand read request unit
    "cdn_request": 0.012 / 10_000,  # CloudFront HTTPS requests (Asia Pacific)
}
LAMBDA_SECONDS = 0.06  # mean billed duration of a warm API call (measure in CloudWatch)
STATIC_PREFIXES = ("/static/",)
STATIC_PAGES = ("/", "/admin", "/favicon.ico")
# API requests the CDN answers from its cache (infra/static.json): behind it, not API calls.
EDGE_CACHED = ("GET /contest", "GET /qr.svg")
# Where the page and the API run: (API price, pages and assets from CloudFront).
DEPLOYMENTS = {
    "pages from the API (REST API)": ("api_request", False),
    "behind the CDN, REST API (--api rest)": ("api_request", True),
    "behind the CDN, HTTP API (default)": ("http_api_request", True),
}


@dataclass
class Step:
    name: str
    started: float = 0.0
    ended: float = 0.0
    static: int = 0
    api: int = 0
    api_paths: list[str] = field(default_factory=list)
    wru: float = 0.0
    rru: float = 0.0
    calls: int = 0
    shared_rru: float = 0.0  # refreshes of the caches a warm Lambda shares (contest, bank)


class Recorder:
    def __init__(self) -> None:
        self.steps: list[Step] = []

    @property
    def current(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def begin(self, name: str) -> None:
        now = time.time()
        if self.current:
            self.current.ended = now
        self.steps.append(Step(name, started=now))

    def end(self) -> None:
        if self.current:
            self.current.ended = time.time()

    def on_request(self, request) -> None:
        step = self.current
        if step is None or step.ended:
            return
        path = urlparse(request.url).path
        if path in STATIC_PAGES or path.startswith(STATIC_PREFIXES):
            step.static += 1
        else:
            step.api += 1
            step.api_paths.append(f"{request.method} {re.sub(r'/attempts/[^/]+', '/attempts/…', path)}")

    def add_capacity(self, lines: list[dict]) -> None:
        """Units by step; the stream handler's (the local event driver, not ``chalice local``)
        go to the next "stream counters" step."""
        for line in lines:
            if line.get("process") == "local_stack.py":
                later = [s for s in self.steps if "stream counters" in s.name and s.ended >= line["t"]]
                if later:
                    later[0].wru += line["wru"]
                    later[0].rru += line["rru"]
                    later[0].calls += 1
                    continue
            for step in self.steps:
                if step.started <= line["t"] <= (step.ended or float("inf")):
                    if line.get("shared"):
                        step.shared_rru += line["rru"]
                    else:
                        step.wru += line["wru"]
                        step.rru += line["rru"]
                        step.calls += 1
                    break


def take_attempt(page, recorder: Recorder, *, pace: float, pause: float, prefix: str) -> None:
    recorder.begin(f"{prefix}start")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_role("heading", name=f"Câu 1/{QUESTIONS}")).to_be_visible()
    page.wait_for_timeout(300)
    recorder.begin(f"{prefix}20 answers")
    for number in range(1, QUESTIONS + 1):
        answer_current_question(page, number, option=number % 4)
        page.wait_for_timeout(max(0, pace * 1000 - 400))
        if number == 12 and pause:
            page.wait_for_timeout(pause * 1000)  # a long think: the 20-second rule saves meanwhile
    recorder.begin(f"{prefix}prediction")
    page.get_by_label(re.compile("Dự đoán")).fill("1500")
    page.wait_for_timeout(pace * 1000)
    recorder.begin(f"{prefix}submit")
    page.locator(".submit-row").get_by_role("button", name="Nộp bài").click()
    page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_role("heading", name="Bài thi đã được nộp")).to_be_visible()
    expect(page.locator(".answered-count")).to_have_text(f"{QUESTIONS}/{QUESTIONS} câu")
    page.wait_for_timeout(500)


def run(pace: float, pause: float) -> tuple[list[Step], dict]:
    log_file = Path(tempfile.mkdtemp(prefix="attempt-cost-")) / "capacity.jsonl"
    extra_env = {"DDB_CAPACITY_LOG": str(log_file), "LIMIT_CHALLENGE_MAX_NUMBER": "500"}
    recorder = Recorder()
    with running_stack(name="attempt-cost", extra_env=extra_env) as local:
        stack = Stack(local.base_url + "/", admin_token=local.admin_token)
        stack.open_round("r1")
        local.sync_streams()
        person = new_person("Trần Văn Bình")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
            context.set_default_timeout(30_000)
            page = context.new_page()
            page.on("request", recorder.on_request)

            recorder.begin("open the page")
            page.goto(stack.base_url)
            expect(page.locator(".round-open .countdown")).to_have_text(re.compile(r"\d{2}:\d{2}:\d{2}"))
            page.wait_for_timeout(500)
            recorder.begin("register")
            page.get_by_role("link", name="Vào thi ngay").click()
            expect(page.get_by_role("heading", name="Đăng ký dự thi")).to_be_visible()
            fill_registration(page, person)
            page.get_by_role("button", name="Đăng ký dự thi").click()
            expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_visible()
            page.wait_for_timeout(300)
            take_attempt(page, recorder, pace=pace, pause=pause, prefix="")
            recorder.begin("stream counters")
            local.sync_streams()
            first_visit_end = len(recorder.steps)

            recorder.begin("again: open the round")
            page.get_by_role("link", name="Thi lượt khác").click()
            expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_visible()
            page.wait_for_timeout(300)
            take_attempt(page, recorder, pace=pace, pause=pause, prefix="again: ")
            recorder.begin("again: stream counters")
            local.sync_streams()
            recorder.end()
            context.close()
            browser.close()
        time.sleep(0.5)
        recorder.add_capacity(read_log(str(log_file)))
    return recorder.steps, {"first_visit_steps": first_visit_end}


def summarize(steps: list[Step], first_visit_steps: int) -> dict:
    first, further = steps[:first_visit_steps], steps[first_visit_steps:]
    attempt_steps = [s for s in first if s.name not in ("open the page", "register")]

    def total(group: list[Step], attribute: str) -> float:
        return round(sum(getattr(s, attribute) for s in group), 1)

    def edge_cached(group: list[Step]) -> int:
        return sum(1 for s in group for path in s.api_paths if path in EDGE_CACHED)

    return {
        "steps": [
            {
                "step": s.name,
                "static_requests": s.static,
                "api_requests": s.api,
                "wru": round(s.wru, 1),
                "rru": round(s.rru, 1),
                "shared_rru": round(s.shared_rru, 1),
                "dynamodb_calls": s.calls,
                "api_paths": s.api_paths,
            }
            for s in steps
        ],
        **{
            label: {
                "static_requests": total(group, "static"),
                "api_requests": total(group, "api"),
                "edge_cached_api_requests": edge_cached(group),
                "wru": total(group, "wru"),
                "rru": total(group, "rru"),
                "shared_rru": total(group, "shared_rru"),
            }
            for label, group in (
                ("first_visit", first),
                ("first_attempt", attempt_steps),
                ("further_attempt", further),
            )
        },
    }


def cost_per_100k(
    figures: dict, memory_mb: int, *, api_price: str = "api_request", cdn: bool = False
) -> dict:
    """USD for 100,000 attempts, each with the API requests, own units and static requests
    given; one Lambda invocation per API request, plus one for the stream handler. Without
    the CDN the API serves the page and its assets too; behind it, CloudFront serves them and
    answers the edge-cached API requests. The shared cache refreshes are left out: a warm
    Lambda makes at most one each ``CONFIG_CACHE_SECONDS`` whoever it serves (cents a week)."""
    n = 100_000
    static = figures.get("static_requests", 0) * n
    cached = figures.get("edge_cached_api_requests", 0) * n if cdn else 0
    api = figures["api_requests"] * n - cached + (0 if cdn else static)
    gb_seconds = (api + n) * LAMBDA_SECONDS * memory_mb / 1024
    parts = {
        "api_gateway": api * PRICES[api_price],
        "lambda": (api + n) * PRICES["lambda_request"] + gb_seconds * PRICES["lambda_gb_second"],
        "dynamodb": figures["wru"] * n * PRICES["wru"] + figures["rru"] * n * PRICES["rru"],
        "cdn": (static + cached) * PRICES["cdn_request"] if cdn else 0,
    }
    parts["total"] = sum(parts.values())
    return {name: round(value, 2) for name, value in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pace", type=float, default=5.0, help="seconds between two answers")
    parser.add_argument("--pause", type=float, default=22.0, help="one long think after answer 12 (s)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    steps, info = run(args.pace, args.pause)
    figures = summarize(steps, info["first_visit_steps"])
    print(
        f"{'step':<28} {'static':>6} {'API':>4} {'WRU':>6} {'RRU':>6} {'shared':>6} {'calls':>5}  API requests"
    )
    for row in figures["steps"]:
        paths = ", ".join(f"{n}× {p}" if n > 1 else p for p, n in _counted(row["api_paths"]))
        print(
            f"{row['step']:<28} {row['static_requests']:>6} {row['api_requests']:>4} {row['wru']:>6} "
            f"{row['rru']:>6} {row['shared_rru']:>6} {row['dynamodb_calls']:>5}  {paths}"
        )
    print("(RRU: the request's own reads; shared: refreshes of the contest and bank caches of a warm Lambda)")
    for label in ("first_visit", "first_attempt", "further_attempt"):
        print(f"{label.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in figures[label].items()))
    figures["usd_per_100k"] = {}
    for label in ("first_visit", "further_attempt"):
        for where, (api_price, cdn) in DEPLOYMENTS.items():
            usd = cost_per_100k(figures[label], 512, api_price=api_price, cdn=cdn)
            figures["usd_per_100k"][f"{label}, {where}"] = usd
            print(
                f"USD per 100,000 {label.replace('_', ' ')}s (Lambda 512 MB, {where}): "
                + ", ".join(f"{k} {v:.2f}" for k, v in usd.items())
            )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")


def _counted(paths: list[str]) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    for path in paths:
        seen[path] = seen.get(path, 0) + 1
    return list(seen.items())


if __name__ == "__main__":
    main()
