"""Drawing an attempt by the blueprint, opaque option ids, scoring by the version shown and
receipts, over small banks built here (never the content of question_data/questions)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.catalog import QuestionBank
from chalicelib.domain.bank import validate_bank
from chalicelib.domain.quiz import (
    DrawRules,
    Question,
    answers_from_picks,
    blueprint_problems,
    chosen_from_picks,
    chosen_source_indexes,
    correct_option_ids,
    draw_layout,
    option_id,
    pack_layout,
    pack_picks,
    parse_layout,
    present_questions,
    receipt,
    score,
    unpack_layout,
)
from tests.bank_factory import synthetic_bank

SECRET = "unit-test-secret"
CONTEST = json.loads((Path(__file__).resolve().parents[2] / "question_data" / "contest.json").read_text())
DOCUMENTS = [document["id"] for document in CONTEST["documents"]]
QUESTIONS = validate_bank(synthetic_bank(CONTEST), set(DOCUMENTS))
BANK = {question.id: question for question in QUESTIONS}
RULES = DrawRules.of(CONTEST["rules"])
COUNT = RULES.count

attempt_ids = st.builds(
    "p{:023x}.r{}.{}".format, st.integers(0, 16**23 - 1), st.sampled_from("12"), st.integers(1, 3)
)


def draw(attempt_id: str = "p0.r1.1", questions=QUESTIONS, rules: DrawRules = RULES, seen=frozenset()):
    return draw_layout(questions, rules, secret=SECRET, attempt_id=attempt_id, seen=seen)


def shown(attempt_id: str) -> list[dict]:
    return present_questions(draw(attempt_id), BANK, secret=SECRET, attempt_id=attempt_id)


def perfect_answers(attempt_id: str) -> dict[str, str]:
    return correct_option_ids(draw(attempt_id), BANK, secret=SECRET, attempt_id=attempt_id)


def wrong_option(question: dict, correct: str) -> str:
    return next(option["id"] for option in question["options"] if option["id"] != correct)


def ids_of(layout) -> list[str]:
    return [question_id for question_id, _order, _version in layout]


def slot_of(question: Question, rules: DrawRules = RULES) -> frozenset[str]:
    return next(slot.documents for slot in rules.slots if question.document_id in slot.documents)


# One attempt shown and answered once: hypothesis varies only which answers are wrong.
FIRST_SHOWN = shown("p0.r1.1")
FIRST_CORRECT = perfect_answers("p0.r1.1")


# ---------------------------------------------------------------- the blueprint draw


def test_the_contest_blueprint_adds_up_to_an_attempt_and_the_test_bank_fills_it() -> None:
    assert COUNT == 20
    assert sum(slot.count for slot in RULES.slots) == COUNT
    assert RULES.max_metadata == 2
    assert blueprint_problems(QUESTIONS, RULES) == []


@given(attempt_ids)
def test_an_attempt_takes_each_document_s_count_from_the_blueprint(attempt_id: str) -> None:
    # GIVEN a bank with enough questions in every slot of the blueprint
    # WHEN an attempt is drawn
    layout = draw(attempt_id)
    per_slot = Counter(slot_of(BANK[q]) for q in ids_of(layout))
    # THEN every slot gives exactly its count, and the questions are distinct
    assert per_slot == {slot.documents: slot.count for slot in RULES.slots}
    assert len(set(ids_of(layout))) == COUNT


# A bank hypothesis makes up: per document up to 9 questions, some metadata, some retired, some
# sharing exclusion groups (across documents too).
questions_strategy = st.lists(
    st.tuples(
        st.sampled_from(DOCUMENTS),
        st.sampled_from(["content", "content", "content", "metadata"]),
        st.one_of(st.none(), st.sampled_from([f"g{n}" for n in range(12)])),
        st.sampled_from(["active", "active", "active", "retired"]),
    ),
    max_size=70,
).map(
    lambda rows: [
        Question(
            id=f"q{n:03d}",
            document_id=doc,
            text=f"Câu {n}?",
            options=("A", "B", "C", "D"),
            correct_index=n % 4,
            kind=kind,
            exclusion_group=group,
            state=state,
        )
        for n, (doc, kind, group, state) in enumerate(rows)
    ]
)


@given(questions_strategy, attempt_ids)
def test_any_bank_gives_distinct_active_questions_one_per_group_and_few_metadata(
    questions: list[Question], attempt_id: str
) -> None:
    # GIVEN any bank, however short or lopsided
    by_id = {q.id: q for q in questions}
    # WHEN an attempt is drawn
    picked = [by_id[q] for q in ids_of(draw(attempt_id, questions))]
    # THEN no question twice, none retired, at most one of an exclusion group, at most 2 metadata
    assert len({q.id for q in picked}) == len(picked) <= COUNT
    assert all(q.state == "active" for q in picked)
    groups = [q.exclusion_group for q in picked if q.exclusion_group]
    assert len(groups) == len(set(groups))
    assert sum(q.kind == "metadata" for q in picked) <= RULES.max_metadata
    # AND it is as long as the bank allows: short only when nothing more could be taken
    if len(picked) < COUNT:
        taken_groups = set(groups)
        metadata_left = sum(q.kind == "metadata" for q in picked) < RULES.max_metadata
        assert not [
            q
            for q in questions
            if q.state == "active"
            and q not in picked
            and q.exclusion_group not in taken_groups
            and (q.kind == "content" or metadata_left)
        ]


def test_a_short_document_gives_what_it_has_and_the_others_make_up_the_attempt() -> None:
    # GIVEN a bank where NĐ 63/2010 (4 in the blueprint) has a single question
    short = [q for q in QUESTIONS if q.document_id != "nd-63-2010"] + [BANK["nd-63-2010-t01"]]
    # WHEN an attempt is drawn
    layout = draw(questions=short)
    per_document = Counter(BANK[q].document_id for q in ids_of(layout))
    # THEN it has its one question and the attempt still has 20
    assert per_document["nd-63-2010"] == 1
    assert len(layout) == COUNT


def test_the_local_slot_always_gets_its_metadata_and_the_rest_of_the_cap_goes_elsewhere() -> None:
    # GIVEN half of a decree's questions asking for metadata (its number, date...)
    extra = [replace(BANK[f"nd-43-2011-t0{n}"], kind="metadata" if n % 2 else "content") for n in range(1, 7)]
    questions = [q for q in QUESTIONS if q.document_id != "nd-43-2011"] + extra
    decree_metadata = 0
    # WHEN attempts are drawn
    for n in range(1, 40):
        picked = [q for q in questions if q.id in ids_of(draw(f"p0.r1.{n}", questions))]
        # THEN the local slot always gets its question and the total stays within the cap
        assert sum(q.document_id in slot_of(BANK["ctr-10-2021-t01"]) for q in picked) == 1
        assert sum(q.kind == "metadata" for q in picked) <= 2
        decree_metadata += sum(q.kind == "metadata" and q.document_id == "nd-43-2011" for q in picked)
    # AND the decree's metadata questions are drawn too, within what the cap leaves
    assert decree_metadata > 0


@given(attempt_ids, st.sets(st.sampled_from(sorted(BANK)), max_size=25))
def test_questions_seen_before_are_drawn_only_when_the_bank_has_no_other(
    attempt_id: str, seen: set[str]
) -> None:
    # GIVEN questions this person saw in earlier attempts
    picked = ids_of(draw(attempt_id, seen=frozenset(seen)))
    # THEN a seen question is in the attempt only when its slot had no unseen one left
    per_slot = Counter(slot_of(BANK[q]) for q in picked)
    for question_id in set(picked) & seen:
        slot = slot_of(BANK[question_id])
        unseen = [q for q in QUESTIONS if slot_of(q) == slot and q.id not in seen]
        assert len(unseen) < per_slot[slot]


@given(attempt_ids)
def test_three_attempts_of_a_person_repeat_nothing_when_the_bank_allows(attempt_id: str) -> None:
    # GIVEN a bank three times the blueprint in every slot
    bigger = validate_bank(synthetic_bank(CONTEST, per_document=12), set(DOCUMENTS))
    local = [
        q for d in ("qd-402-2021", "ctr-10-2021") for q in _metadata_questions(d, 2)
    ]  # 4 + 4 local questions for 3 attempts of 1
    bank = bigger + local
    seen: set[str] = set()
    for number in (1, 2, 3):
        picked = ids_of(draw(attempt_id[:-1] + str(number), bank, seen=frozenset(seen)))
        # THEN no question comes back in a later attempt
        assert not seen & set(picked)
        seen |= set(picked)


def _metadata_questions(document_id: str, count: int) -> list[Question]:
    return [
        Question(
            f"{document_id}-x{n}", document_id, f"Văn bản {n}?", ("A", "B", "C", "D"), 0, kind="metadata"
        )
        for n in range(count)
    ]


@given(attempt_ids)
def test_the_same_attempt_id_draws_the_same_layout(attempt_id: str) -> None:
    assert draw(attempt_id) == draw(attempt_id)


def test_the_draw_does_not_depend_on_the_order_the_bank_is_listed_in() -> None:
    assert draw("p0.r1.1", questions=list(reversed(QUESTIONS))) == draw("p0.r1.1")


@given(st.lists(attempt_ids, min_size=2, max_size=2, unique=True))
def test_different_attempt_ids_draw_different_layouts(pair: list[str]) -> None:
    first, second = pair
    assert draw(first) != draw(second)


def test_a_retired_question_is_never_drawn() -> None:
    retired = [replace(q, state="retired") if q.document_id == "nd-61-2018" else q for q in QUESTIONS]
    for n in range(1, 20):
        assert not [q for q in ids_of(draw(f"p0.r1.{n}", retired)) if q.startswith("nd-61-2018")]


def test_the_layout_records_the_version_each_question_was_drawn_at() -> None:
    edited = [replace(q, version=3) if q.document_id == "nd-63-2010" else q for q in QUESTIONS]
    versions = {q: v for q, _order, v in draw(questions=edited) if q.startswith("nd-63-2010")}
    assert set(versions.values()) == {3}


def test_layouts_stored_before_versions_existed_showed_version_one() -> None:
    assert parse_layout([["q1", [2, 0, 1, 3]], ["q2", [0, 1, 2, 3], 4]]) == [
        ("q1", [2, 0, 1, 3], 1),
        ("q2", [0, 1, 2, 3], 4),
    ]


# ---------------------------------------------------------------- the packed attempt item


@given(attempt_ids, st.data())
def test_a_packed_layout_and_answers_give_back_exactly_what_was_shown_and_sent(attempt_id, data) -> None:
    # GIVEN a drawn layout and any subset of its questions answered with any of their options
    layout = draw(attempt_id)
    answers = {
        question_id: option_id(SECRET, attempt_id, question_id, data.draw(st.sampled_from(order)))
        for question_id, order, _version in layout
        if data.draw(st.booleans())
    }
    # WHEN both are packed and unpacked
    packed_layout = pack_layout(layout)
    picks = pack_picks(layout, answers, secret=SECRET, attempt_id=attempt_id)
    # THEN the layout, the answers and the chosen source indexes come back unchanged
    assert unpack_layout(packed_layout) == layout
    assert answers_from_picks(layout, picks, secret=SECRET, attempt_id=attempt_id) == answers
    assert chosen_from_picks(layout, picks) == chosen_source_indexes(
        layout, answers, secret=SECRET, attempt_id=attempt_id
    )
    # AND the scores agree
    restored = answers_from_picks(layout, picks, secret=SECRET, attempt_id=attempt_id)
    assert score(layout, restored, BANK, secret=SECRET, attempt_id=attempt_id) == score(
        layout, answers, BANK, secret=SECRET, attempt_id=attempt_id
    )


def test_a_packed_attempt_of_twenty_questions_fits_one_write_unit_with_room_to_spare() -> None:
    # The whole submitted attempt item must stay under 1 KB: layout and answers ~450 bytes.
    layout = [(f"nd-63-2010-{i:02d}", [3, 1, 0, 2], 12) for i in range(20)]
    answers = {q: option_id(SECRET, "p0.r1.1", q, 1) for q, _order, _version in layout}
    packed = pack_layout(layout) + pack_picks(layout, answers, secret=SECRET, attempt_id="p0.r1.1")
    assert len(packed.encode()) <= 460
    assert pack_picks(layout, {}, secret=SECRET, attempt_id="p0.r1.1") == "-" * 20


def test_blueprint_problems_name_a_slot_the_bank_cannot_fill() -> None:
    grouped = [replace(q, exclusion_group="same") if q.document_id == "nd-61-2018" else q for q in QUESTIONS]
    problems = blueprint_problems(grouped, RULES)
    assert len(problems) == 1
    assert problems[0].startswith("nd-61-2018: chỉ có 1 câu")
    assert blueprint_problems(QUESTIONS, DrawRules(21, RULES.slots))[0].startswith("ma trận đề có tổng 20")


def test_a_contest_without_a_blueprint_draws_from_the_whole_bank() -> None:
    layout = draw(rules=DrawRules(COUNT))
    assert len(set(ids_of(layout))) == COUNT


def test_questions_are_drawn_in_a_different_order_across_attempts() -> None:
    orders = {tuple(ids_of(draw(f"p0.r1.{n}"))) for n in range(1, 10)}
    assert len(orders) == 9


@given(attempt_ids)
def test_option_orders_are_permutations_of_the_question_options(attempt_id: str) -> None:
    for question_id, order, _version in draw(attempt_id):
        assert sorted(order) == list(range(len(BANK[question_id].options)))


def test_option_orders_are_actually_shuffled() -> None:
    # 20 questions with 4 options each: all in source order would be a 1 in 24**20 event.
    orders = [order for _, order, _version in draw("p0.r1.1")]
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


def test_an_edited_question_does_not_change_the_score_of_an_attempt_that_showed_it() -> None:
    # GIVEN an attempt answered perfectly, then every question edited: a new version whose key
    # is another option, and one question retired
    attempt_id = "p0.r1.1"
    layout = draw(attempt_id)
    answers = perfect_answers(attempt_id)
    edited = [replace(q, version=2, correct_index=(q.correct_index + 1) % 4) for q in QUESTIONS]
    edited[0] = replace(edited[0], state="retired")
    bank = QuestionBank.of([*QUESTIONS, *edited])
    # WHEN the attempt is scored against the bank as it is now
    shown_versions = bank.shown_questions(parse_layout([list(entry) for entry in layout]))
    # THEN it is scored by the versions it showed: still all correct
    assert score(layout, answers, shown_versions, secret=SECRET, attempt_id=attempt_id) == COUNT
    # AND a new attempt would be scored by the new version
    assert bank.by_id[layout[0][0]].version == 2
    assert score(layout, answers, bank.by_id, secret=SECRET, attempt_id=attempt_id) == 0


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
    outside = next(q for q in BANK if q not in ids_of(layout))
    other = perfect_answers("p0.r1.2")
    answers = {
        "no-such-question": "abcdef0123",
        outside: option_id(SECRET, attempt_id, outside, BANK[outside].correct_index),
        **{q: other[q] for q in ids_of(layout) if q in other},
    }
    # WHEN / THEN none of them counts
    assert score(layout, answers, BANK, secret=SECRET, attempt_id=attempt_id) == 0


def test_the_source_index_is_not_an_accepted_answer() -> None:
    attempt_id = "p0.r1.1"
    layout = draw(attempt_id)
    answers = {q: str(BANK[q].correct_index) for q in ids_of(layout)}
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
