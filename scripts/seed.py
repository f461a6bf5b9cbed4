"""Seed the contest and questions into the tables named by the environment settings.

Usage: python scripts/seed.py   (DYNAMODB_ENDPOINT, TABLE_PREFIX ... as for the app)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.clock import SystemClock
from chalicelib.data.repository import Repository
from chalicelib.domain.bank import InvalidBank
from chalicelib.seeding import load_source, seed


def main() -> int:
    contest, questions = load_source()
    try:
        report = seed(Repository(), contest, questions, SystemClock().now_ms())
    except InvalidBank as error:
        for problem in error.errors:
            print(
                f"row {problem.row} ({problem.question_id}) {problem.column}: {problem.message}",
                file=sys.stderr,
            )
        print("question bank refused: nothing was loaded (make check-bank names the files)", file=sys.stderr)
        return 1
    print(
        f"seed: contest {'created' if report.contest_created else 'kept'}, "
        f"{report.rounds_created} round(s) created, "
        f"{report.questions_created}/{report.questions_in_file} question(s) created"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
