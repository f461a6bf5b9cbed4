"""The deadline rush against the real local stack: many people submit at once, every submit
is sent twice, and nothing may be lost or counted twice.

Starts an isolated stack (DynamoDB Local in memory + ``chalice local``, as the integration
tests do), registers ``--people`` participants, starts one attempt each, then sends every
submit twice from ``--workers`` threads at the same moment. Prints the throughput and checks:
every attempt submitted exactly once (same receipt for both calls), the stream counters equal
the number of attempts, and closing the round counts exactly that many.

``chalice local`` is one process serving requests one by one, so the figure is a floor for
one machine, not a Lambda fleet's; the point is the correctness under concurrency.

Usage: .venv/bin/python benchmarks/deadline_burst.py [--people 300] [--workers 32]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.stack import running_stack

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def national_id(index: int) -> str:
    return f"019090{index:06d}"  # Thái Nguyên, a man born in 1990


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--workers", type=int, default=32)
    args = parser.parse_args()
    units = ["bach-quang", "cai-dan", "chau-son", "luong-son", "mo-che", "pho-co", "thang-loi"]
    # A load test of the deadline: the limits on fake accounts are off, as docs/design.md says.
    with running_stack(
        name="burst", extra_env={"RATE_LIMITS": "off", "REGISTRATION_CHALLENGE": "off"}
    ) as stack:
        now = dt.datetime.now(VIETNAM).replace(microsecond=0)
        stack.admin(
            "PATCH",
            "/admin/rounds/r1",
            {
                "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
                "closes_at": (now + dt.timedelta(minutes=30)).isoformat(),
                "publish_at": (now + dt.timedelta(minutes=40)).isoformat(),
            },
        )

        def prepare(index: int) -> tuple[str, dict]:
            body = {
                "national_id": national_id(index),
                "full_name": f"Người dự thi {index}",
                "date_of_birth": "1990-01-01",
                "gender": "male",
                "phone": f"09{index:08d}",
                "unit_id": units[index % len(units)],
                "workplace": "",
                "consent": True,
                # The challenge is off (above): no proof of work to solve in this process, whose
                # 64 threads would otherwise spend the machine's cores on it, not on the stack.
                "altcha": None,
            }
            status, session = stack.post("/participants", body)
            assert status == 201, session
            status, attempt = stack.post("/rounds/r1/attempts", {}, token=session["token"])
            assert status == 201, attempt
            answers = {q["id"]: q["options"][index % 4]["id"] for q in attempt["questions"]}
            return session["token"], {"id": attempt["attempt_id"], "answers": answers, "prediction": index}

        started = time.monotonic()
        with ThreadPoolExecutor(args.workers) as pool:
            people = list(pool.map(prepare, range(args.people)))
        print(f"registered and started {args.people} attempts in {time.monotonic() - started:.1f} s")

        def submit(job: tuple[str, dict]) -> tuple[int, dict]:
            token, attempt = job
            body = {"answers": attempt["answers"], "prediction": attempt["prediction"]}
            return stack.post(f"/attempts/{attempt['id']}/submit", body, token=token)

        jobs = [job for job in people for _ in range(2)]  # every submit twice
        started = time.monotonic()
        with ThreadPoolExecutor(args.workers) as pool:
            answers = list(pool.map(submit, jobs))
        elapsed = time.monotonic() - started
        statuses = sorted({status for status, _ in answers})
        print(
            f"{len(jobs)} submits ({args.people} attempts x2) in {elapsed:.1f} s: {len(jobs) / elapsed:.0f} a second; statuses {statuses}"
        )
        receipts: dict[str, set[str]] = {}
        for (status, body), (_token, attempt) in zip(answers, jobs, strict=True):
            assert status == 200, body
            receipts.setdefault(attempt["id"], set()).add(body["receipt"])
        twice = sum(1 for r in receipts.values() if len(r) != 1)
        print(f"attempts with two different results: {twice} (must be 0)")
        stack.sync_streams()
        live = stack.admin("GET", "/admin/rounds/r1/stats")
        print(f"stream counters: {live['attempts']} submitted attempts (must be {args.people})")
        preview = stack.admin("GET", "/admin/rounds/r1/ranking")
        print(f"ranking preview: {len(preview['entries'])} people ranked (must be {args.people})")
        ok = twice == 0 and live["attempts"] == args.people and len(preview["entries"]) == args.people
        print("nothing lost, nothing counted twice" if ok else "MISMATCH")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
