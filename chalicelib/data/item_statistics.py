"""Storage of item statistics: the round's submitted attempts as (layout, answers), read by key,
and the computed report, kept in the contest table next to the contest.

The leaderboard index holds every submitted attempt's key but not its layout or answers (which
would make every submit write ~2 KB more into the index at the deadline); the attempts
themselves are read 100 at a time with only those attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from chalicelib.data.models import AttemptModel, ContestModel

REPORT_PREFIX = "ITEMSTATS#"
BATCH = 100


@dataclass(frozen=True)
class AnsweredAttempt:
    """A submitted attempt's layout and answers: packed (``picks``, source indexes) or, for
    items written before packing, ``answers`` as option ids."""

    attempt_id: str
    layout: list
    picks: str | None
    answers: dict


def submitted_attempts(shards: Iterable[str]) -> Iterator[AnsweredAttempt]:
    """Every submitted attempt of the round whose leaderboard shards these are."""
    keys: list[tuple[str, str]] = []
    for shard in shards:
        for item in AttemptModel.leaderboard.query(shard):
            keys.append((item.participant_id, item.attempt_key))
            if len(keys) == BATCH:
                yield from _read(keys)
                keys = []
    if keys:
        yield from _read(keys)


def _read(keys: list[tuple[str, str]]) -> Iterator[AnsweredAttempt]:
    wanted = ["attempt_id", "shown", "picks", "layout", "answers"]
    for item in AttemptModel.batch_get(keys, attributes_to_get=wanted):
        yield AnsweredAttempt(item.attempt_id, item.shown_layout(), item.picks, item.answers or {})


def get_report(contest_id: str, round_id: str) -> dict | None:
    try:
        return ContestModel.get(contest_id, REPORT_PREFIX + round_id).body
    except ContestModel.DoesNotExist:
        return None


def put_report(contest_id: str, round_id: str, report: dict, now_ms: int) -> None:
    ContestModel(contest_id, REPORT_PREFIX + round_id, body=report, updated_at=now_ms).save()
