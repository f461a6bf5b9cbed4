"""``make load``: the deadline played with locust against the local stack.

Two phases, each a headless locust run with ``--users`` concurrent clients:
1. the week: every person registers, starts an attempt and autosaves it once (people spread
   over the phase as locust spawns its users);
2. the deadline: everyone submits in the same minutes, and every submit is sent twice, the
   second while the first may still be in flight (a phone that retries on a weak network).
Prints throughput, p50/p95/p99 per route and every error, then checks against the stack's own
figures: no attempt lost (stream counters and ranking hold every person), none counted twice
(both submits of an attempt got the same receipt).

By default it starts a private stack (DynamoDB Local in memory + ``chalice local``, limits on
fake accounts off as for any load test). ``--host`` targets a stack already running with
``RATE_LIMITS=off REGISTRATION_CHALLENGE=off make run`` (``ADMIN_TOKEN`` from its environment).

Usage: .venv/bin/python benchmarks/load_deadline.py [--people 2000] [--users 64] [--host URL]
"""

from __future__ import annotations

# locust patches the standard library for gevent: it must be imported before anything else.
from locust import HttpUser, task  # isort: skip
from locust.env import Environment  # isort: skip
from locust.exception import StopUser  # isort: skip

import argparse
import datetime as dt
import itertools
import json
import os
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import gevent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VIETNAM = dt.timezone(dt.timedelta(hours=7))
UNITS = ["bach-quang", "cai-dan", "chau-son", "luong-son", "mo-che", "pho-co", "thang-loi"]
JSON = {"Content-Type": "application/json"}


@dataclass
class Plan:
    """What the simulated people share: who registers next, the attempts waiting for the
    deadline and the receipts each submit got."""

    people: int
    next_person: Iterator[int] = field(default_factory=itertools.count)
    ready: list[tuple[str, str, dict, int]] = field(default_factory=list)
    receipts: dict[str, set[str]] = field(default_factory=dict)
    failed_people: int = 0

    def take_person(self) -> int | None:
        index = next(self.next_person)
        return index if index < self.people else None


def registration(index: int) -> dict:
    return {
        "national_id": f"019090{index:06d}",  # Thái Nguyên, a man born in 1990
        "full_name": f"Người dự thi {index}",
        "date_of_birth": "1990-01-01",
        "gender": "male",
        "phone": f"09{index:08d}",
        "unit_id": UNITS[index % len(UNITS)],
        "workplace": "",
        "consent": True,
    }


def week_user(plan: Plan, host: str) -> type[HttpUser]:
    class Registrant(HttpUser):
        """A person during the week: register, start, answer, autosave."""

        def wait_time(self) -> float:
            return 0

        @task
        def take_part(self) -> None:
            index = plan.take_person()
            if index is None:
                raise StopUser()
            with self.client.post("/participants", json=registration(index), catch_response=True) as reply:
                if reply.status_code != 201:
                    reply.failure(f"{reply.status_code} {reply.text[:120]}")
                    plan.failed_people += 1
                    return
                token = reply.json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            reply = self.client.post(
                "/rounds/r1/attempts", json={}, headers=auth, name="/rounds/[id]/attempts"
            )
            if reply.status_code != 201:
                plan.failed_people += 1
                return
            attempt = reply.json()
            answers = {q["id"]: q["options"][index % len(q["options"])]["id"] for q in attempt["questions"]}
            half = dict(list(answers.items())[: len(answers) // 2])
            self.client.put(
                f"/attempts/{attempt['attempt_id']}/answers",
                json={"answers": half, "first_save": True},  # as the page says of its first save
                headers=auth,
                name="/attempts/[id]/answers",
            )
            plan.ready.append((token, attempt["attempt_id"], answers, index))

    Registrant.host = host
    return Registrant


def deadline_user(plan: Plan, host: str) -> type[HttpUser]:
    class Submitter(HttpUser):
        """The last minutes: submit, and send the same submit again at once."""

        def wait_time(self) -> float:
            return 0

        @task
        def submit_twice(self) -> None:
            if not plan.ready:
                raise StopUser()
            token, attempt_id, answers, index = plan.ready.pop()
            body = {"answers": answers, "prediction": index}
            auth = {"Authorization": f"Bearer {token}"}

            def submit() -> None:
                reply = self.client.post(
                    f"/attempts/{attempt_id}/submit", json=body, headers=auth, name="/attempts/[id]/submit"
                )
                if reply.status_code == 200:
                    plan.receipts.setdefault(attempt_id, set()).add(reply.json()["receipt"])

            gevent.joinall([gevent.spawn(submit), gevent.spawn(submit)])

    Submitter.host = host
    return Submitter


def run_phase(name: str, user_class: type[HttpUser], users: int, done: callable) -> Environment:
    """One headless locust run until ``done()``; prints its figures."""
    environment = Environment(user_classes=[user_class])
    runner = environment.create_local_runner()
    started = time.monotonic()
    runner.start(users, spawn_rate=max(1, users // 4))
    while not done() and (runner.user_count or time.monotonic() - started < 5):  # spawning takes a moment
        gevent.sleep(0.2)
    while runner.user_count:  # let the last requests finish
        gevent.sleep(0.1)
    elapsed = time.monotonic() - started
    runner.quit()
    report(name, environment, elapsed)
    return environment


def report(name: str, environment: Environment, elapsed: float) -> None:
    total = environment.stats.total
    print(
        f"\n== {name}: {total.num_requests} requests in {elapsed:.1f} s, {total.num_requests / elapsed:.0f} a second, {total.num_failures} failed"
    )
    print(
        f"   {'route':<32} {'requests':>8} {'fails':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    )
    for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name):
        print(
            f"   {entry.method + ' ' + entry.name:<32} {entry.num_requests:>8} {entry.num_failures:>6}"
            f" {entry.get_response_time_percentile(0.5):>7.0f} {entry.get_response_time_percentile(0.95):>7.0f}"
            f" {entry.get_response_time_percentile(0.99):>7.0f} {entry.max_response_time:>7.0f}"
        )
    for error in environment.stats.errors.values():
        print(f"   error x{error.occurrences}: {error.method} {error.name}: {error.error}")


class Target:
    """The stack under load: URLs, the operator's calls and the stream driver."""

    def __init__(self, base_url: str, admin_token: str, sync=None) -> None:
        self.base_url = base_url
        self._admin_token = admin_token
        self._sync = sync

    def admin(self, method: str, path: str, body: object = None) -> dict:
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={**JSON, "Authorization": f"Bearer {self._admin_token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())

    def sync_streams(self) -> None:
        """Wait until the stream handler has seen every change (a private stack tells; a
        running one gets a few polls' time)."""
        if self._sync is not None:
            self._sync()
        else:
            time.sleep(5)


@contextmanager
def target(host: str | None) -> Iterator[Target]:
    if host:
        yield Target(host.rstrip("/"), os.environ.get("ADMIN_TOKEN", "local-admin-token"))
        return
    from tests.stack import running_stack

    with running_stack(
        name="load", extra_env={"RATE_LIMITS": "off", "REGISTRATION_CHALLENGE": "off"}
    ) as stack:
        yield Target(stack.base_url, stack.admin_token, stack.sync_streams)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--users", type=int, default=64, help="concurrent clients")
    parser.add_argument("--host", help="a running stack (default: start a private one)")
    args = parser.parse_args()
    plan = Plan(args.people)
    with target(args.host) as stack:
        now = dt.datetime.now(VIETNAM).replace(microsecond=0)
        stack.admin(
            "PATCH",
            "/admin/rounds/r1",
            {
                "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
                "closes_at": (now + dt.timedelta(hours=2)).isoformat(),
                "publish_at": (now + dt.timedelta(hours=3)).isoformat(),
            },
        )
        before = stack.admin("GET", "/admin/rounds/r1/stats")["attempts"]
        week = run_phase(
            f"the week: {args.people} people register, start and autosave",
            week_user(plan, stack.base_url),
            args.users,
            lambda: len(plan.ready) + plan.failed_people >= args.people,
        )
        waiting = len(plan.ready)
        deadline = run_phase(
            f"the deadline: {waiting} attempts submitted twice",
            deadline_user(plan, stack.base_url),
            args.users,
            lambda: not plan.ready,
        )
        stack.sync_streams()
        counted = stack.admin("GET", "/admin/rounds/r1/stats")["attempts"] - before
        ranked = len(stack.admin("GET", "/admin/rounds/r1/ranking")["entries"])
    twice = sum(1 for receipts in plan.receipts.values() if len(receipts) != 1)
    lost = waiting - len(plan.receipts)
    server_errors = sum(e.num_failures for env in (week, deadline) for e in env.stats.entries.values())
    print(f"\npeople who registered and started: {waiting} of {args.people}")
    print(f"attempts submitted: {len(plan.receipts)} of {waiting}; lost: {lost} (must be 0)")
    print(f"attempts with two different receipts: {twice} (must be 0)")
    print(f"stream counters: {counted} new submitted attempts (must be {waiting})")
    print(f"ranking preview: {ranked} people (must be at least {waiting})")
    print(f"failed requests: {server_errors} (must be 0)")
    ok = (
        waiting == args.people
        and lost == 0
        and twice == 0
        and counted == waiting
        and ranked >= waiting
        and server_errors == 0
    )
    print("nothing lost, nothing counted twice" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
