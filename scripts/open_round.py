"""Move a round so that it is open now, through the admin API (what ``make open-round`` runs).

    python scripts/open_round.py                       # r1: opened a minute ago, closes in 2 h
    python scripts/open_round.py --closes-in-minutes 2 --publish-after-minutes 1   # quick demo
    python scripts/open_round.py --round r2 --base-url https://<api>/api --token "$ADMIN_TOKEN"

Times are sent in Vietnam time (+07:00), as the organisers write them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
DEV_ADMIN_TOKEN = "dev-admin-token"  # the dev default of chalicelib/settings.py


def round_times(
    now: dt.datetime,
    *,
    opened_minutes_ago: float = 1,
    closes_in: dt.timedelta = dt.timedelta(hours=2),
    publish_after: dt.timedelta = dt.timedelta(minutes=5),
) -> dict[str, str]:
    """``opens_at``/``closes_at``/``publish_at`` around ``now``, ISO 8601 with +07:00."""
    now = now.astimezone(VIETNAM).replace(microsecond=0)
    opens = now - dt.timedelta(minutes=opened_minutes_ago)
    closes = now + closes_in
    publish = closes + publish_after
    return {
        name: moment.isoformat()
        for name, moment in zip(
            ("opens_at", "closes_at", "publish_at"), (opens, closes, publish), strict=True
        )
    }


def patch_round(
    base_url: str, round_id: str, token: str, times: Mapping[str, str], timeout: float = 15
) -> Any:
    """``PATCH /admin/rounds/{round_id}``; returns the decoded answer or raises HTTPError."""
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/admin/rounds/{round_id}",
        data=json.dumps(times).encode("utf-8"),
        method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8") or "null")


def parse_args(argv: list[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--round", dest="round_id", default="r1", help="round id (default r1)")
    parser.add_argument(
        "--base-url",
        default=environ.get("BASE_URL", f"http://127.0.0.1:{environ.get('PORT', '8000')}"),
        help="API root (BASE_URL; default http://127.0.0.1:$PORT, the local stack)",
    )
    parser.add_argument(
        "--token", default=environ.get("ADMIN_TOKEN", DEV_ADMIN_TOKEN), help="admin token (ADMIN_TOKEN)"
    )
    closes = parser.add_mutually_exclusive_group()
    closes.add_argument("--closes-in-hours", type=float, default=2.0, help="default 2")
    closes.add_argument("--closes-in-minutes", type=float, help="for a quick demo")
    parser.add_argument("--opened-minutes-ago", type=float, default=1.0, help="default 1")
    parser.add_argument(
        "--publish-after-minutes", type=float, default=5.0, help="results published this long after closing"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the request body and stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = parse_args(argv, os.environ if environ is None else environ)
    closes_in = (
        dt.timedelta(minutes=args.closes_in_minutes)
        if args.closes_in_minutes is not None
        else dt.timedelta(hours=args.closes_in_hours)
    )
    times = round_times(
        dt.datetime.now(VIETNAM),
        opened_minutes_ago=args.opened_minutes_ago,
        closes_in=closes_in,
        publish_after=dt.timedelta(minutes=args.publish_after_minutes),
    )
    if args.dry_run:
        print(json.dumps(times, indent=2))
        return 0
    try:
        answer = patch_round(args.base_url, args.round_id, args.token, times)
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")
        print(f"PATCH /admin/rounds/{args.round_id}: HTTP {error.code} {detail}", file=sys.stderr)
        if error.code == 409:
            print(
                "the round has already closed; `make clean && make run` starts from fresh data",
                file=sys.stderr,
            )
        return 1
    except OSError as error:
        print(f"cannot reach {args.base_url} ({error}); is `make run` running?", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    print(
        f"round {args.round_id} is open until {times['closes_at']}; results at {times['publish_at']} "
        "(the local stack's scheduler acts on its next tick)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
