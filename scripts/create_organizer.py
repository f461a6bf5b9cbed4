"""Create an organizer account (the first city administrator, say) in the tables named by
the environment settings, as the operator. The password is read from standard input when it
is not a terminal, else asked twice at a prompt; never from the command line.

Usage:
  python scripts/create_organizer.py --username bantochuc --full-name "Ban Tổ chức" --role admin
  echo "$PASSWORD" | python scripts/create_organizer.py --username phuongmoche \\
      --full-name "VP phường Mỏ Chè" --role unit_organizer --unit mo-che
  --if-absent: do nothing (exit 0) when the username exists (the local stack's dev account)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.container import build_services
from chalicelib.errors import ContestError
from chalicelib.organizers.policy import ROLES, Actor

SCRIPT_ACTOR = Actor(username="operator", role="admin")


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu (từ 10 ký tự): ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise SystemExit("hai lần nhập mật khẩu không giống nhau")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--username", required=True)
    parser.add_argument("--full-name", required=True)
    parser.add_argument("--role", choices=ROLES, default="admin")
    parser.add_argument("--unit", default=None, help="ward or commune id, for --role unit_organizer")
    parser.add_argument("--national-id", default=None, help="the holder's CCCD: excluded from the contest")
    parser.add_argument("--if-absent", action="store_true")
    args = parser.parse_args(argv)
    services = build_services()
    if args.if_absent and services.repository.get_organizer(args.username) is not None:
        print(f"organizer {args.username}: kept")
        return 0
    body = {
        "username": args.username,
        "full_name": args.full_name,
        "role": args.role,
        "unit_id": args.unit,
        "national_id": args.national_id,
        "password": read_password(),
    }
    try:
        services.organizers.create_account(SCRIPT_ACTOR, body)
    except ContestError as error:
        print(f"{error.code}: {error.message}", file=sys.stderr)
        return 1
    print(f"organizer {args.username} ({args.role}) created")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
