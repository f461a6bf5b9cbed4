"""Loads the contest and its question bank into DynamoDB. Idempotent, and never
overwrites what an organizer has changed since (every write is put-if-absent, and the bank's
manifest only gains the questions it does not know yet)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chalicelib.data.bank_store import ACTIVE, QuestionStore
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


def load_bank_files(directory: Path = QUESTION_DATA) -> list[tuple[str, list]]:
    """The bank as written: one JSON array of questions per document in ``questions/``
    (``<document_id>.json``), in file-name order."""
    files = []
    for path in sorted((directory / "questions").glob("*.json")):
        rows = json.loads(path.read_text(encoding="utf-8"))
        files.append((path.name, rows if isinstance(rows, list) else [rows]))
    return files


def load_source(directory: Path = QUESTION_DATA) -> tuple[dict, list]:
    """The contest and every question of the bank's files, in one list."""
    contest = json.loads((directory / "contest.json").read_text(encoding="utf-8"))
    return contest, [row for _name, rows in load_bank_files(directory) for row in rows]


def seed(
    repository: Repository,
    contest: dict,
    question_rows: list,
    now_ms: int,
    *,
    question_store: QuestionStore | None = None,
) -> SeedReport:
    """Validate every row first (a bad bank loads nothing), then write what is missing."""
    questions = validate_bank(question_rows, {d["id"] for d in contest["documents"]})
    contest_id = contest["id"]
    body = {k: v for k, v in contest.items() if k not in ("rounds", "bank_rules")}
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
    store = question_store or QuestionStore()
    questions_created = sum(store.put_version(contest_id, q.id, q, SEED_ACTOR, now_ms) for q in questions)
    _add_to_manifest(store, contest_id, [q.id for q in questions], now_ms)
    return SeedReport(contest_created, rounds_created, questions_created, len(questions))


SEED_ACTOR = "seed"
MANIFEST_TRIES = 5


def _add_to_manifest(store: QuestionStore, contest_id: str, question_ids: list[str], now_ms: int) -> None:
    """Point the manifest at the seeded questions it does not know (version 1, at their id)."""
    for _ in range(MANIFEST_TRIES):
        manifest, _questions = store.load(contest_id)
        entries = dict(manifest.entries)
        for question_id in question_ids:
            entries.setdefault(question_id, {"state": ACTIVE, "keys": [question_id]})
        if manifest.revision and entries == manifest.entries:
            return
        if store.switch(contest_id, manifest.revision, entries, SEED_ACTOR, now_ms):
            return
    raise RuntimeError("the question bank kept changing while it was seeded")
