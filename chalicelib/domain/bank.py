"""Validation of a question bank file: all rows are checked and every problem is
reported by row, so a bad bank loads nothing rather than half of itself."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chalicelib.domain.quiz import Question


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based position in the file
    question_id: str
    problem: str


class InvalidBank(ValueError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the question bank")
        self.errors = errors


def _row_problems(row: object, document_ids: set[str]) -> list[str]:
    if not isinstance(row, dict):
        return ["not an object"]
    problems = []
    for name in ("id", "text", "document_id"):
        value = row.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"empty {name}")
    if (
        isinstance(row.get("document_id"), str)
        and row["document_id"].strip()
        and row["document_id"] not in document_ids
    ):
        problems.append(f"unknown document {row['document_id']}")
    options = row.get("options")
    if not isinstance(options, list) or len(options) < 2:
        problems.append("needs at least 2 options")
        return problems
    if any(
        not isinstance(o, dict) or not isinstance(o.get("text"), str) or not o["text"].strip()
        for o in options
    ):
        problems.append("empty option text")
    texts = [
        o.get("text", "").strip().casefold()
        for o in options
        if isinstance(o, dict) and isinstance(o.get("text"), str)
    ]
    if len(set(texts)) != len(texts):
        problems.append("duplicate option text")
    correct = sum(1 for o in options if isinstance(o, dict) and o.get("correct") is True)
    if correct != 1:
        problems.append(f"needs exactly one correct option, has {correct}")
    return problems


def _clean_id(row: object) -> str:
    value = row.get("id") if isinstance(row, dict) else None
    return value.strip() if isinstance(value, str) else ""


def validate_bank(rows: object, document_ids: set[str]) -> list[Question]:
    """Return the questions, or raise :class:`InvalidBank` listing every bad row."""
    if not isinstance(rows, list):
        raise InvalidBank([RowError(0, "", "the bank must be a JSON array")])
    errors: list[RowError] = []
    ids = Counter(_clean_id(row) for row in rows)
    for index, row in enumerate(rows, start=1):
        question_id = _clean_id(row)
        problems = _row_problems(row, document_ids)
        if question_id and ids[question_id] > 1:
            problems.append("duplicate id")
        errors.extend(RowError(index, str(question_id), p) for p in problems)
    if errors:
        raise InvalidBank(errors)
    return [
        Question(
            id=row["id"].strip(),
            document_id=row["document_id"],
            text=row["text"].strip(),
            options=tuple(o["text"].strip() for o in row["options"]),
            correct_index=next(i for i, o in enumerate(row["options"]) if o["correct"] is True),
            source=row["source"].strip() if isinstance(row.get("source"), str) else "",
        )
        for row in rows
    ]
