"""The attempts table's stream keeps per-unit counters of submitted attempts (live
statistics). Chalice's stream handler retries a whole batch on any exception and blocks
the shard, so a malformed record is logged and skipped rather than raised; the batch's
submissions are then counted together (one update per person and per touched counter,
chalicelib/data/counters.py). A storage failure does raise: the batch is retried (or bisected),
which the per-attempt marks on each person's item make safe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.data.repository import Repository
from chalicelib.domain.counting import Submission

logger = Logger(service="songcong-contest")


def _string(image: dict | None, name: str) -> str | None:
    value = (image or {}).get(name)
    return value.get("S") if isinstance(value, dict) else None


def _number(image: dict | None, name: str) -> int | None:
    value = (image or {}).get(name)
    raw = value.get("N") if isinstance(value, dict) else None
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


def newly_submitted(
    old_image: dict | None, new_image: dict | None
) -> tuple[str, str, str, str, int, int] | None:
    """(round_id, unit_id, attempt_id, participant_id, correct, submitted_at) when this change
    is the one that submitted an attempt; None for any other change or an incomplete image."""
    if _string(new_image, "status") != "submitted" or _string(old_image, "status") == "submitted":
        return None
    names = ("round_id", "unit_id", "attempt_id", "participant_id")
    fields = tuple(_string(new_image, n) for n in names)
    correct = _number(new_image, "correct")
    submitted_at = _number(new_image, "submitted_at")
    if not all(fields) or correct is None or submitted_at is None:
        return None
    return (*fields, correct, submitted_at)


def count_submissions(records: Iterable[Any], repository: Repository) -> dict[str, int]:
    """Handle a batch of raw stream records (dicts, so that a malformed one cannot fail
    while being parsed); returns how many were counted, repeated, ignored or failed."""
    outcome = {"counted": 0, "repeated": 0, "ignored": 0, "failed": 0}
    submissions = []
    for record in records:
        try:
            change = record.get("dynamodb") or {}
            found = newly_submitted(change.get("OldImage"), change.get("NewImage"))
        except (AttributeError, TypeError, ValueError):  # a malformed record must not block the shard
            outcome["failed"] += 1
            logger.exception("stream record not understood")
            continue
        if found is None:
            outcome["ignored"] += 1
        else:
            submissions.append(Submission(*found))
    if submissions:
        outcome["counted"], outcome["repeated"] = repository.count_submissions_once(submissions)
    return outcome
