"""Time rules: ISO 8601 with +07:00, round states, attempt deadlines, grace and duration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chalicelib.domain.timing import (
    RoundTimes,
    accepts_new_attempts,
    attempt_deadline,
    attempt_duration,
    parse_iso,
    round_status,
    to_iso,
    within_grace,
)

OPENS = parse_iso("2021-12-13T08:30:00+07:00")
CLOSES = parse_iso("2021-12-19T16:30:00+07:00")
PUBLISH = parse_iso("2021-12-20T08:00:00+07:00")
ROUND = RoundTimes(OPENS, CLOSES, PUBLISH)
MINUTE = 60_000
LIMIT_S = 1200
GRACE_S = 30

# 1990 to 2100: every instant the contest can meet, in epoch milliseconds.
instants = st.integers(631_152_000_000, 4_102_444_800_000)


# ---------------------------------------------------------------- ISO 8601


def test_vietnam_1630_is_0930_utc() -> None:
    # GIVEN the weekly close written in Vietnam time
    closes = parse_iso("2021-12-19T16:30:00+07:00")
    # WHEN / THEN it is the same instant as 09:30 UTC
    assert closes == parse_iso("2021-12-19T09:30:00+00:00")
    assert closes == int(datetime(2021, 12, 19, 9, 30, tzinfo=UTC).timestamp() * 1000)


def test_instants_are_shown_with_the_plus_seven_offset() -> None:
    assert to_iso(CLOSES) == "2021-12-19T16:30:00+07:00"
    assert to_iso(CLOSES + 1) == "2021-12-19T16:30:00.001+07:00"


def test_an_absent_instant_is_shown_as_none() -> None:
    assert to_iso(None) is None


@pytest.mark.parametrize("naive", ["2021-12-19T16:30:00", "2021-12-19", "2021-12-19 16:30"])
def test_a_time_without_an_offset_is_refused(naive: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(naive)


def test_z_means_utc() -> None:
    assert parse_iso("2021-12-19T09:30:00Z") == CLOSES


@given(st.integers(631_152_000, 4_102_444_800).map(lambda seconds: seconds * 1000))
def test_whole_seconds_round_trip_through_iso(epoch_ms: int) -> None:
    shown = to_iso(epoch_ms)
    assert shown.endswith("+07:00")
    assert parse_iso(shown) == epoch_ms


@given(instants)
@example(541_169_507_341)  # 1987-02-24T19:51:47.341+07:00 reads back as ...340
def test_every_millisecond_round_trips_through_iso(epoch_ms: int) -> None:
    # GIVEN an instant with milliseconds
    shown = to_iso(epoch_ms)
    # WHEN it is read back
    # THEN it is the same instant, to the millisecond
    assert parse_iso(shown) == epoch_ms


@given(instants)
def test_iso_is_in_vietnam_time_whatever_the_instant(epoch_ms: int) -> None:
    shown = datetime.fromisoformat(to_iso(epoch_ms))
    assert shown.utcoffset().total_seconds() == 7 * 3600
    assert shown == datetime.fromtimestamp(epoch_ms // 1000, tz=UTC).replace(
        microsecond=(epoch_ms % 1000) * 1000
    )


# ---------------------------------------------------------------- round states


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (OPENS - 1, "scheduled"),
        (OPENS, "open"),
        (CLOSES - 1, "open"),
        (CLOSES, "closed"),
        (PUBLISH + MINUTE, "closed"),
    ],
)
def test_the_clock_decides_the_state_of_a_round_not_yet_closed(now: int, status: str) -> None:
    assert round_status(ROUND, "scheduled", now) == status


@pytest.mark.parametrize("stored", ["closed", "ranked", "published"])
@pytest.mark.parametrize("now", [OPENS - MINUTE, OPENS, CLOSES - 1, CLOSES, PUBLISH])
def test_a_closed_ranked_or_published_round_keeps_its_stored_state(stored: str, now: int) -> None:
    # GIVEN a round the organizers have closed (early or on time) and maybe ranked or published
    # WHEN its status is read at any time
    # THEN the stored progress wins over the clock
    assert round_status(ROUND, stored, now) == stored


def test_new_attempts_are_accepted_only_while_open() -> None:
    assert not accepts_new_attempts(ROUND, "scheduled", OPENS - 1)
    assert accepts_new_attempts(ROUND, "scheduled", OPENS)
    assert accepts_new_attempts(ROUND, "scheduled", CLOSES - 1)
    assert not accepts_new_attempts(ROUND, "scheduled", CLOSES)
    assert not accepts_new_attempts(ROUND, "closed", CLOSES - MINUTE)


@pytest.mark.parametrize(
    ("opens", "closes", "publish", "valid"),
    [
        (OPENS, CLOSES, PUBLISH, True),
        (OPENS, CLOSES, CLOSES, True),
        (OPENS, OPENS, PUBLISH, False),
        (CLOSES, OPENS, PUBLISH, False),
        (OPENS, CLOSES, CLOSES - 1, False),
    ],
)
def test_round_times_must_open_before_close_before_or_at_publish(
    opens: int, closes: int, publish: int, valid: bool
) -> None:
    assert RoundTimes(opens, closes, publish).is_valid() is valid


# ---------------------------------------------------------------- attempt deadline


def test_an_attempt_started_early_has_the_full_time_limit() -> None:
    started = OPENS + MINUTE
    assert attempt_deadline(started, LIMIT_S, CLOSES) == started + LIMIT_S * 1000


def test_an_attempt_started_ten_minutes_before_close_ends_at_close() -> None:
    started = CLOSES - 10 * MINUTE
    assert attempt_deadline(started, LIMIT_S, CLOSES) == CLOSES


@given(started=instants, limit_s=st.integers(1, 7200), closes=instants)
def test_deadline_is_the_earlier_of_time_limit_and_round_close(
    started: int, limit_s: int, closes: int
) -> None:
    deadline = attempt_deadline(started, limit_s, closes)
    assert deadline <= started + limit_s * 1000
    assert deadline <= closes
    assert deadline in (started + limit_s * 1000, closes)


# ---------------------------------------------------------------- grace


def test_a_write_exactly_at_the_end_of_grace_counts_and_one_ms_later_does_not() -> None:
    deadline = CLOSES
    assert within_grace(deadline, GRACE_S, deadline)
    assert within_grace(deadline, GRACE_S, deadline + GRACE_S * 1000)
    assert not within_grace(deadline, GRACE_S, deadline + GRACE_S * 1000 + 1)


def test_with_no_grace_only_writes_up_to_the_deadline_count() -> None:
    assert within_grace(CLOSES, 0, CLOSES)
    assert not within_grace(CLOSES, 0, CLOSES + 1)


# ---------------------------------------------------------------- duration


def test_duration_is_the_time_from_start_to_submit() -> None:
    started = OPENS
    deadline = attempt_deadline(started, LIMIT_S, CLOSES)
    assert attempt_duration(started, deadline, started + 7 * MINUTE) == 7 * MINUTE


def test_a_submit_in_grace_counts_the_whole_time() -> None:
    started = OPENS
    deadline = attempt_deadline(started, LIMIT_S, CLOSES)
    assert attempt_duration(started, deadline, deadline + 20_000) == LIMIT_S * 1000


@given(
    started=instants,
    limit_s=st.integers(1, 7200),
    closes=instants,
    submitted_offset=st.integers(-10 * MINUTE, 3 * 3600 * 1000),
)
def test_duration_is_never_negative_and_never_above_the_time_limit(
    started: int, limit_s: int, closes: int, submitted_offset: int
) -> None:
    # GIVEN any attempt, even one started after close or "submitted" before its start (clock skew)
    deadline = attempt_deadline(started, limit_s, closes)
    # WHEN its duration is computed for any submit time
    duration = attempt_duration(started, deadline, started + submitted_offset)
    # THEN it lies within [0, time limit]
    assert 0 <= duration <= limit_s * 1000
