"""Time rules of rounds and attempts. All instants are epoch milliseconds (server time
decides); they are shown in ISO 8601 with the contest's +07:00 offset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")  # no daylight saving
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_iso(epoch_ms: int | None) -> str | None:
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=VIETNAM)
    return moment.isoformat(timespec="milliseconds" if epoch_ms % 1000 else "seconds")


def parse_iso(value: str) -> int:
    """ISO 8601 with an explicit offset to epoch ms; naive times are refused (ambiguous)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time zone offset is required")
    return (moment - _EPOCH) // timedelta(milliseconds=1)  # exact: no float rounding


@dataclass(frozen=True)
class RoundTimes:
    opens_at: int
    closes_at: int
    publish_at: int

    def is_valid(self) -> bool:
        return self.opens_at < self.closes_at <= self.publish_at


LIFECYCLE = ("scheduled", "open", "closed", "ranked", "published")


def round_status(times: RoundTimes, stored_state: str, now_ms: int) -> str:
    """The state a person sees: stored progress wins once the round has been closed;
    before that, the clock says whether it is scheduled, open or waiting to be closed."""
    if stored_state in ("closed", "ranked", "published"):
        return stored_state
    if now_ms < times.opens_at:
        return "scheduled"
    if now_ms < times.closes_at:
        return "open"
    return "closed"


def accepts_new_attempts(times: RoundTimes, stored_state: str, now_ms: int) -> bool:
    return round_status(times, stored_state, now_ms) == "open"


def attempt_deadline(started_at: int, time_limit_seconds: int, closes_at: int) -> int:
    """An attempt ends at its time limit or when the round closes, whichever is first."""
    return min(started_at + time_limit_seconds * 1000, closes_at)


def within_grace(deadline_at: int, grace_seconds: int, now_ms: int) -> bool:
    """Writes that arrive up to ``grace_seconds`` late still count (slow mobile networks)."""
    return now_ms <= deadline_at + grace_seconds * 1000


def attempt_duration(started_at: int, deadline_at: int, submitted_at: int) -> int:
    """Time really used: a submit in the grace period counts as taking the whole time."""
    return max(0, min(submitted_at, deadline_at) - started_at)
