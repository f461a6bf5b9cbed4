"""Loads the contest and its question bank into DynamoDB. Idempotent, and never
overwrites what an organizer has changed since (every write is put-if-absent)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chalicelib.data.repository import Repository, RoundRecord
from chalicelib.domain.bank import validate_bank
from chalicelib.domain.timing import parse_iso

QUESTION_DATA = Path(__file__).resolve().parent.parent / "question_data"


@dataclass(frozen=True)
class SeedReport:
    contest_created: bool
    rounds_created: int
    questions_created: int
    questions_in_file: int


def load_source(directory: Path = QUESTION_DATA) -> tuple[dict, list]:
    contest = json.loads((directory / "contest.json").read_text(encoding="utf-8"))
    questions = json.loads((directory / "questions.json").read_text(encoding="utf-8"))
    return contest, questions


def seed(repository: Repository, contest: dict, question_rows: list, now_ms: int) -> SeedReport:
    """Validate everything first (a bad bank loads nothing), then write what is missing."""
    questions = validate_bank(question_rows, {d["id"] for d in contest["documents"]})
    contest_id = contest["id"]
    body = {k: v for k, v in contest.items() if k != "rounds"}
    contest_created = repository.put_contest_if_absent(contest_id, body, now_ms)
    rounds_created = sum(
        repository.put_round_if_absent(
            contest_id,
            RoundRecord(
                round_id=r["id"],
                name=r["name"],
                opens_at=parse_iso(r["opens_at"]),
                closes_at=parse_iso(r["closes_at"]),
                publish_at=parse_iso(r["publish_at"]),
            ),
            now_ms,
        )
        for r in contest["rounds"]
    )
    questions_created = sum(repository.put_question_if_absent(contest_id, q, now_ms) for q in questions)
    return SeedReport(contest_created, rounds_created, questions_created, len(questions))
