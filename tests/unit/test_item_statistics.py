"""Item statistics (chalicelib/domain/item_statistics.py) against a hand-computed example and,
for random rounds, against a direct computation."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.item_statistics import MIN_DRAWS_FOR_FLAGS, Response, item_statistics


def answered(*choices: tuple[str, int | None]) -> list[Response]:
    return [Response(q, 1, chosen, 0, 4) for q, chosen in choices]


def by_id(results):
    return {s.question_id: s for s in results}


def test_a_hand_computed_round():
    # GIVEN four attempts of three questions (option 0 is correct in each)
    attempts = [
        answered(("q1", 0), ("q2", 0), ("q3", 1)),  # 2 right
        answered(("q1", 0), ("q2", 2), ("q3", None)),  # 1 right
        answered(("q1", 1), ("q2", 0), ("q3", 0)),  # 2 right
        answered(("q1", 3), ("q2", 2), ("q3", 1)),  # 0 right
    ]
    # WHEN the statistics are computed
    stats = by_id(item_statistics(attempts))
    # THEN (worked by hand: rest scores q1 [1,0,2,0], q2 [1,1,1,0], q3 [2,1,1,0])
    assert stats["q1"].drawn == 4 and stats["q1"].facility == 0.5
    assert stats["q1"].discrimination == pytest.approx(-0.5 / 2.75**0.5)
    assert stats["q1"].chosen == (2, 1, 0, 1) and stats["q1"].unanswered == 0
    assert stats["q2"].discrimination == pytest.approx(0.5 / 0.75**0.5)
    assert stats["q2"].chosen == (2, 0, 2, 0)
    assert stats["q3"].facility == 0.25 and stats["q3"].discrimination == pytest.approx(0.0)
    assert stats["q3"].chosen == (1, 2, 0, 0) and stats["q3"].unanswered == 1
    # AND with so few draws nothing is flagged
    assert all(not s.flags for s in stats.values())


def test_the_questions_to_look_at_first_come_first():
    # GIVEN a round where everyone knows q-easy (nobody picks its distractors), q-hard fools
    # almost everyone, and q-fair sorts people
    attempts = []
    for person in range(40):
        knows = person % 2 == 0
        attempts.append(
            answered(
                ("q-easy", 0),
                ("q-hard", 0 if person == 0 else 1 + person % 3),
                ("q-fair", 0 if knows else 1 + person % 3),
                ("q-other", 0 if knows else 2),
            )
        )
    results = item_statistics(attempts)
    stats = by_id(results)
    assert MIN_DRAWS_FOR_FLAGS <= 40
    assert "too_easy" in stats["q-easy"].flags and "unchosen_distractor" in stats["q-easy"].flags
    assert stats["q-easy"].discrimination is None  # everyone right: no spread to correlate
    assert "too_hard" in stats["q-hard"].flags
    assert stats["q-fair"].flags == () and stats["q-fair"].discrimination > 0.9
    assert [s.question_id for s in results[:2]] == ["q-easy", "q-hard"]  # flagged first


def test_versions_are_counted_apart():
    attempts = [[Response("q1", 1, 0, 0, 4)], [Response("q1", 2, 0, 1, 4)]]
    stats = {(s.question_id, s.version): s for s in item_statistics(attempts)}
    assert stats[("q1", 1)].facility == 1.0 and stats[("q1", 2)].facility == 0.0


responses = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.one_of(st.none(), st.integers(0, 3))),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(responses)
def test_agrees_with_a_direct_computation(rounds):
    attempts = [answered(*choices) for choices in rounds]
    for s in item_statistics(attempts):
        rows = [
            (r.chosen == 0, sum(x.chosen == 0 for x in attempt) - (r.chosen == 0))
            for attempt in attempts
            for r in attempt
            if r.question_id == s.question_id
        ]
        assert s.drawn == len(rows)
        assert s.facility == pytest.approx(sum(x for x, _ in rows) / len(rows))
        assert sum(s.chosen) + s.unanswered == s.drawn
        xs, ys = [float(x) for x, _ in rows], [float(y) for _, y in rows]
        if len(rows) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
            assert s.discrimination is None
        else:
            assert s.discrimination == pytest.approx(statistics.correlation(xs, ys))
