"""Pure integrity rules: visibility, too-fast attempts, review flags, challenge cost."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import integrity
from chalicelib.domain.integrity import CandidateEvidence
from chalicelib.domain.ranking import SubmittedAttempt, rank_individuals, top_individuals
from tests.unit.test_ranking import SMALL_PRIZES

STATES = ["scheduled", "closed", "ranked", "published"]


def test_a_contest_seeded_before_the_rules_gets_the_safe_defaults():
    rules = integrity.effective_rules({"questions_per_attempt": 20})
    assert rules["score_visibility"] == "after_close" and rules["review_visibility"] == "after_contest"
    assert rules["min_seconds_per_question"] == 3 and rules["phone_verification"] == "off"


@pytest.mark.parametrize(
    "typo",
    [{"score_visibility": "at_close"}, {"review_visibility": "now"}, {"min_seconds_per_question": -1}],
)
def test_a_typo_in_the_rules_fails_loudly(typo):
    with pytest.raises(ValueError):
        integrity.effective_rules(typo)


@pytest.mark.parametrize("state", STATES)
def test_after_close_shows_a_score_only_once_the_round_is_closed(state):
    rules = integrity.effective_rules({})
    assert integrity.score_visible(rules, state) is (state != "scheduled")
    assert integrity.score_visible({**rules, "score_visibility": "at_submit"}, state) is True


def test_after_contest_shows_the_review_only_when_every_round_is_closed():
    rules = integrity.effective_rules({})
    assert not integrity.review_visible(rules, "published", ["published", "scheduled"])
    assert integrity.review_visible(rules, "published", ["published", "closed"])
    after_close = {**rules, "review_visibility": "after_close"}
    assert integrity.review_visible(after_close, "closed", ["closed", "scheduled"])
    assert not integrity.review_visible(after_close, "scheduled", ["scheduled", "scheduled"])


@given(st.integers(0, 10**7), st.integers(0, 200), st.integers(0, 10))
def test_too_fast_means_under_the_minimum_per_answered_question(duration, answered, minimum):
    fast = integrity.too_fast(duration, answered, minimum)
    assert fast is (answered > 0 and duration < minimum * 1000 * answered)
    if fast:
        assert not integrity.too_fast(duration + minimum * 1000 * answered, answered, minimum)


@given(st.integers(0, 10_000))
def test_the_challenge_cost_never_falls_as_a_client_registers_more_and_is_capped(count):
    cost = integrity.challenge_max_number(25_000, count, 20, 16)
    assert 25_000 <= cost <= 16 * 25_000
    assert integrity.challenge_max_number(25_000, count + 1, 20, 16) >= cost


def _evidence(attempt_id, **changes):
    base = CandidateEvidence(
        participant_id=f"p-{attempt_id}",
        attempt_id=attempt_id,
        too_fast=False,
        choices={f"q{i}": i % 4 for i in range(20)},
        prediction=100,
        registrations_from_client=1,
        accounts_on_phone=1,
    )
    return replace(base, **changes)


def test_flags_name_what_the_committee_should_look_at():
    flags = integrity.review_flags(
        [
            _evidence("a", too_fast=True, registrations_from_client=12, accounts_on_phone=4),
            _evidence("b", prediction=5),
            _evidence("c", choices={"x1": 0}, prediction=5),
        ]
    )
    assert flags["a"] == [
        {"code": "too_fast"},
        {"code": "registration_burst", "count": 12},
        {"code": "shared_phone", "count": 4},
    ]
    assert flags["b"] == [] and flags["c"] == []  # "c" shares no question with "b"


def test_two_accounts_answering_alike_are_flagged_both_ways():
    shared = {f"q{i}": 1 for i in range(6)}
    flags = integrity.review_flags(
        [
            _evidence("a", choices={**shared, "z1": 0}),
            _evidence("b", choices={**shared, "z2": 3}),
            _evidence("c", choices={**shared, "q0": 2}),
        ]
    )
    assert {"code": "same_answers", "attempt_id": "b"} in flags["a"]
    assert {"code": "same_answers", "attempt_id": "a"} in flags["b"]
    assert flags["c"] == []


ATTEMPTS = st.lists(
    st.builds(
        lambda i, correct, duration, answered: SubmittedAttempt(
            attempt_id=f"a{i}",
            participant_id=f"p{i % 7}",
            unit_id="u",
            correct=min(correct, answered),
            total=20,
            prediction=10,
            duration_ms=duration,
            submitted_at=1_640_000_000_000 + i,
            answered=answered,
        ),
        st.integers(0, 10**6),
        st.integers(0, 20),
        st.integers(0, 200_000),
        st.integers(0, 20),
    ),
    max_size=30,
    unique_by=lambda a: a.attempt_id,
)


@given(ATTEMPTS)
def test_a_too_fast_attempt_never_wins_and_the_lazy_ranking_agrees(attempts):
    full = rank_individuals(attempts, 10, prizes=SMALL_PRIZES, min_seconds_per_question=3)
    assert all(e.prize is None for e in full if e.too_fast)
    assert all(
        e.too_fast == integrity.too_fast(e.duration_ms, a.answered, 3)
        for e in full
        for a in attempts
        if a.attempt_id == e.attempt_id
    )
    ordered = sorted(attempts, key=lambda a: (-a.correct, 0, a.duration_ms, a.submitted_at, a.attempt_id))
    head = top_individuals(ordered, 10, prizes=SMALL_PRIZES, min_seconds_per_question=3)
    assert head == full[: len(head)]
