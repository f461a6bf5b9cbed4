"""Drawing an attempt from the real bank, opaque option ids, scoring and receipts."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.bank import validate_bank
from chalicelib.domain.quiz import (
    Question,
    correct_option_ids,
    draw_layout,
    option_id,
    present_questions,
    receipt,
    score,
)
from chalicelib.seeding import load_source

SECRET = "unit-test-secret"
CONTEST, ROWS = load_source()
DOCUMENTS = [document["id"] for document in CONTEST["documents"]]
QUESTIONS = validate_bank(ROWS, set(DOCUMENTS))
BANK = {question.id: question for question in QUESTIONS}
BY_DOCUMENT: dict[str, list[Question]] = {}
for _question in QUESTIONS:
    BY_DOCUMENT.setdefault(_question.document_id, []).append(_question)
COUNT = CONTEST["rules"]["questions_per_attempt"]

attempt_ids = st.builds(
    "p{:023x}.r{}.{}".format, st.integers(0, 16**23 - 1), st.sampled_from("12"), st.integers(1, 3)
)


def draw(attempt_id: str = "p0.r1.1", by_document=BY_DOCUMENT, count: int = COUNT):
    return draw_layout(by_document, count, secret=SECRET, attempt_id=attempt_id)


def shown(attempt_id: str) -> list[dict]:
    return present_questions(draw(attempt_id), BANK, secret=SECRET, attempt_id=attempt_id)


def perfect_answers(attempt_id: str) -> dict[str, str]:
    return correct_option_ids(draw(attempt_id), BANK, secret=SECRET, attempt_id=attempt_id)


def wrong_option(question: dict, correct: str) -> str:
    return next(option["id"] for option in question["options"] if option["id"] != correct)


# One attempt shown and answered once: hypothesis varies only which answers are wrong.
FIRST_SHOWN = shown("p0.r1.1")
FIRST_CORRECT = perfect_answers("p0.r1.1")


# ---------------------------------------------------------------- drawing


def test_the_real_bank_is_large_enough_for_the_checks_below() -> None:
    assert len(DOCUMENTS) == 11
    assert COUNT == 20
    assert min(len(BY_DOCUMENT[d]) for d in DOCUMENTS) >= 2


@given(attempt_ids)
def test_an_attempt_has_twenty_distinct_questions_from_the_bank(attempt_id: str) -> None:
    layout = draw(attempt_id)
    ids = [question_id for question_id, _order in layout]
    assert len(ids) == COUNT
    assert len(set(ids)) == COUNT
    assert set(ids) <= BANK.keys()


@given(attempt_ids)
def test_every_document_is_represented_and_counts_differ_by_at_most_one(attempt_id: str) -> None:
    # GIVEN the real bank: 11 documents, each with at least 2 questions
    # WHEN 20 questions are drawn
    per_document = Counter(BANK[question_id].document_id for question_id, _ in draw(attempt_id))
    # THEN all 11 documents appear, 9 of them twice and 2 once
    assert set(per_document) == set(DOCUMENTS)
    assert max(per_document.values()) - min(per_document.values()) <= 1


def test_a_document_with_too_few_questions_gives_its_share_to_the_others() -> None:
    # GIVEN a bank where one document has a single question
    small = {**BY_DOCUMENT, DOCUMENTS[0]: BY_DOCUMENT[DOCUMENTS[0]][:1]}
    # WHEN 20 questions are drawn
    per_document = Counter(BANK[q].document_id for q, _ in draw(by_document=small))
    # THEN it contributes its one question and the others still differ by at most one
    assert per_document[DOCUMENTS[0]] == 1
    others = [per_document[d] for d in DOCUMENTS[1:]]
    assert sum(others) == COUNT - 1
    assert max(others) - min(others) <= 1


def test_a_bank_smaller_than_an_attempt_gives_every_question_once() -> None:
    tiny = {d: BY_DOCUMENT[d][:1] for d in DOCUMENTS[:3]}
    layout = draw(by_document=tiny)
    assert sorted(q for q, _ in layout) == sorted(qs[0].id for qs in tiny.values())


@given(attempt_ids)
def test_the_same_attempt_id_draws_the_same_layout(attempt_id: str) -> None:
    assert draw(attempt_id) == draw(attempt_id)


def test_the_draw_does_not_depend_on_the_order_documents_are_listed_in() -> None:
    reordered = dict(reversed(list(BY_DOCUMENT.items())))
    assert draw("p0.r1.1", by_document=reordered) == draw("p0.r1.1")


@given(st.lists(attempt_ids, min_size=2, max_size=2, unique=True))
def test_different_attempt_ids_draw_different_layouts(pair: list[str]) -> None:
    first, second = pair
    assert draw(first) != draw(second)


def test_questions_are_drawn_in_a_different_order_across_attempts() -> None:
    orders = {tuple(q for q, _ in draw(f"p0.r1.{n}")) for n in range(1, 10)}
    assert len(orders) == 9


@given(attempt_ids)
def test_option_orders_are_permutations_of_the_question_options(attempt_id: str) -> None:
    for question_id, order in draw(attempt_id):
        assert sorted(order) == list(range(len(BANK[question_id].options)))


def test_option_orders_are_actually_shuffled() -> None:
    # 20 questions with 4 options each: all in source order would be a 1 in 24**20 event.
    orders = [order for _, order in draw("p0.r1.1")]
    assert any(order != sorted(order) for order in orders)


# ---------------------------------------------------------------- what is shown


def test_shown_questions_have_texts_and_opaque_option_ids_only() -> None:
    # GIVEN an attempt
    questions = shown("p0.r1.1")
    # THEN each question carries its id, text and options, and nothing tells the answer
    for question in questions:
        source = BANK[question["id"]]
        assert set(question) == {"id", "text", "options"}
        assert question["text"] == source.text
        assert sorted(o["text"] for o in question["options"]) == sorted(source.options)
        for option in question["options"]:
            assert set(option) == {"id", "text"}
            assert len(option["id"]) == 10
            assert option["id"] not in {"0", "1", "2", "3", "A", "B", "C", "D"}


def test_option_ids_are_distinct_within_a_question() -> None:
    for question in shown("p0.r1.1"):
        ids = [option["id"] for option in question["options"]]
        assert len(set(ids)) == len(ids)


@given(st.lists(attempt_ids, min_size=2, max_size=2, unique=True), st.sampled_from(sorted(BANK)))
def test_the_same_option_has_a_different_id_in_every_attempt(pair: list[str], question_id: str) -> None:
    # GIVEN the same question in two attempts
    first, second = pair
    # WHEN the ids of its options are computed for each attempt
    ids_first = {option_id(SECRET, first, question_id, i) for i in range(4)}
    ids_second = {option_id(SECRET, second, question_id, i) for i in range(4)}
    # THEN no id is shared, so an id seen in one attempt says nothing about another
    assert ids_first.isdisjoint(ids_second)


def test_option_ids_depend_on_the_server_secret() -> None:
    assert option_id("one secret", "p0.r1.1", "q", 0) != option_id("another", "p0.r1.1", "q", 0)


# ---------------------------------------------------------------- scoring


def test_all_correct_answers_score_twenty() -> None:
    attempt_id = "p0.r1.1"
    answers = perfect_answers(attempt_id)
    assert score(draw(attempt_id), answers, BANK, secret=SECRET, attempt_id=attempt_id) == COUNT


def test_no_answers_score_zero() -> None:
    assert score(draw(), {}, BANK, secret=SECRET, attempt_id="p0.r1.1") == 0


@given(st.sets(st.integers(0, COUNT - 1)))
def test_score_counts_only_the_correct_option_ids(wrong: set[int]) -> None:
    # GIVEN an attempt answered correctly except for some questions answered wrongly
    attempt_id = "p0.r1.1"
    answers = {
        q["id"]: wrong_option(q, FIRST_CORRECT[q["id"]]) if n in wrong else FIRST_CORRECT[q["id"]]
        for n, q in enumerate(FIRST_SHOWN)
    }
    # WHEN / THEN
    assert score(draw(attempt_id), answers, BANK, secret=SECRET, attempt_id=attempt_id) == COUNT - len(wrong)


def test_unknown_question_ids_and_option_ids_score_nothing() -> None:
    # GIVEN answers for questions not in the attempt, and the right option of another attempt
    attempt_id = "p0.r1.1"
    layout = draw(attempt_id)
    outside = next(q for q in BANK if q not in dict(layout))
    other = perfect_answers("p0.r1.2")
    answers = {
        "no-such-question": "abcdef0123",
        outside: option_id(SECRET, attempt_id, outside, BANK[outside].correct_index),
        **{q: other[q] for q, _ in layout if q in other},
    }
    # WHEN / THEN none of them counts
    assert score(layout, answers, BANK, secret=SECRET, attempt_id=attempt_id) == 0


def test_the_source_index_is_not_an_accepted_answer() -> None:
    attempt_id = "p0.r1.1"
    layout = draw(attempt_id)
    answers = {q: str(BANK[q].correct_index) for q, _ in layout}
    assert score(layout, answers, BANK, secret=SECRET, attempt_id=attempt_id) == 0


def test_correct_option_ids_skip_questions_no_longer_in_the_bank() -> None:
    attempt_id = "p0.r1.1"
    layout = draw(attempt_id)
    removed = layout[0][0]
    smaller = {q: question for q, question in BANK.items() if q != removed}
    assert removed not in correct_option_ids(layout, smaller, secret=SECRET, attempt_id=attempt_id)
    assert len(correct_option_ids(layout, smaller, secret=SECRET, attempt_id=attempt_id)) == COUNT - 1


# ---------------------------------------------------------------- receipts


def test_receipt_has_the_sc_format_and_is_stable() -> None:
    answers = {"q1": "abc", "q2": "def"}
    first = receipt(SECRET, "p0.r1.1", 1_640_000_000_000, answers, 7)
    assert first == receipt(SECRET, "p0.r1.1", 1_640_000_000_000, dict(reversed(answers.items())), 7)
    assert len(first) == len("SC-XXXX-XXXX-XXXX")
    assert first.startswith("SC-")
    assert all(c in "0123456789ABCDEF" for c in first.replace("SC-", "").replace("-", ""))


answer_maps = st.dictionaries(
    st.sampled_from(sorted(BANK)[:30]), st.integers(0, 16**10 - 1).map("{:010x}".format), max_size=8
)


@given(answer_maps, answer_maps)
def test_receipt_changes_when_the_answers_change(first: dict[str, str], second: dict[str, str]) -> None:
    if first == second:
        return
    assert receipt(SECRET, "p0.r1.1", 1, first, 5) != receipt(SECRET, "p0.r1.1", 1, second, 5)


@pytest.mark.parametrize(
    "change",
    [
        {"attempt_id": "p0.r1.2"},
        {"prediction": 8},
        {"prediction": None},
        {"submitted_at": 1_640_000_000_001},
    ],
)
def test_receipt_changes_with_the_attempt_prediction_or_submit_time(change: dict) -> None:
    base = {"attempt_id": "p0.r1.1", "prediction": 7, "submitted_at": 1_640_000_000_000}
    answers = {"q1": "abc"}
    assert receipt(SECRET, answers=answers, **base) != receipt(SECRET, answers=answers, **{**base, **change})
