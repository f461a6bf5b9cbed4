"""The question bank: the real file is valid and large enough, a bad file is refused row by
row and, through the seeding step, writes nothing at all."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from chalicelib.data.repository import RoundRecord
from chalicelib.domain.bank import InvalidBank, RowError, validate_bank
from chalicelib.domain.quiz import Question
from chalicelib.seeding import load_source, seed

CONTEST, ROWS = load_source()
DOCUMENTS = {document["id"] for document in CONTEST["documents"]}
NOW = 1_639_000_000_000


def good_row(question_id: str, document_id: str = "nd-63-2010") -> dict:
    return {
        "id": question_id,
        "document_id": document_id,
        "text": f"Câu hỏi {question_id}?",
        "options": [
            {"text": "Phương án A", "correct": False},
            {"text": "Phương án B", "correct": True},
            {"text": "Phương án C", "correct": False},
        ],
        "source": "Điều 1",
    }


def problems_of(rows: object) -> list[RowError]:
    with pytest.raises(InvalidBank) as refused:
        validate_bank(rows, DOCUMENTS)
    return refused.value.errors


class FakeRepository:
    """In memory, with the three put-if-absent writes ``seed`` makes; records every write."""

    def __init__(self) -> None:
        self.contests: dict[str, dict] = {}
        self.rounds: dict[tuple[str, str], RoundRecord] = {}
        self.questions: dict[tuple[str, str], Question] = {}
        self.writes = 0

    def put_contest_if_absent(self, contest_id: str, body: dict, now_ms: int) -> bool:
        self.writes += 1
        return self.contests.setdefault(contest_id, body) is body

    def put_round_if_absent(self, contest_id: str, record: RoundRecord, now_ms: int) -> bool:
        self.writes += 1
        return self.rounds.setdefault((contest_id, record.round_id), record) is record

    def put_question_if_absent(self, contest_id: str, question: Question, now_ms: int) -> bool:
        self.writes += 1
        return self.questions.setdefault((contest_id, question.id), question) is question


# ---------------------------------------------------------------- the real bank


def test_the_real_bank_is_valid_and_has_at_least_110_questions() -> None:
    questions = validate_bank(ROWS, DOCUMENTS)
    assert len(questions) >= 110
    assert len(questions) == len(ROWS)


def test_the_real_bank_has_at_least_10_questions_for_every_document() -> None:
    per_document = Counter(question.document_id for question in validate_bank(ROWS, DOCUMENTS))
    assert set(per_document) == DOCUMENTS
    assert min(per_document.values()) >= 10


def test_each_real_question_keeps_its_one_correct_option() -> None:
    for row, question in zip(ROWS, validate_bank(ROWS, DOCUMENTS), strict=True):
        assert question.id == row["id"]
        assert row["options"][question.correct_index]["correct"] is True
        assert question.options == tuple(o["text"].strip() for o in row["options"])


# ---------------------------------------------------------------- a bad bank


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"text": "   "}, "empty text"),
        ({"id": ""}, "empty id"),
        ({"document_id": "nd-99-2099"}, "unknown document nd-99-2099"),
        ({"options": [{"text": "A", "correct": True}]}, "needs at least 2 options"),
        (
            {"options": [{"text": "A", "correct": False}, {"text": "B", "correct": False}]},
            "needs exactly one correct option, has 0",
        ),
        (
            {"options": [{"text": "A", "correct": True}, {"text": "B", "correct": True}]},
            "needs exactly one correct option, has 2",
        ),
        ({"options": [{"text": "A", "correct": True}, {"text": " ", "correct": False}]}, "empty option text"),
        (
            {"options": [{"text": "A", "correct": True}, {"text": "a ", "correct": False}]},
            "duplicate option text",
        ),
    ],
)
def test_each_kind_of_bad_row_is_named_with_its_row_number(change: dict, problem: str) -> None:
    # GIVEN a bank of good rows where row 2 has one problem
    rows = [good_row("q1"), {**good_row("q2"), **change}, good_row("q3")]
    # WHEN it is validated
    errors = problems_of(rows)
    # THEN that problem is reported for row 2 and only there
    assert [(e.row, e.problem) for e in errors] == [(2, problem)]


def test_a_string_true_does_not_count_as_a_correct_option() -> None:
    row = {**good_row("q1"), "options": [{"text": "A", "correct": "true"}, {"text": "B", "correct": False}]}
    assert [e.problem for e in problems_of([row])] == ["needs exactly one correct option, has 0"]


def test_every_row_with_a_duplicate_id_is_reported() -> None:
    rows = [good_row("q1"), good_row("q2"), good_row("q1"), good_row("q1")]
    errors = problems_of(rows)
    assert [(e.row, e.question_id, e.problem) for e in errors] == [
        (1, "q1", "duplicate id"),
        (3, "q1", "duplicate id"),
        (4, "q1", "duplicate id"),
    ]


def test_every_bad_row_is_listed_and_nothing_is_returned() -> None:
    # GIVEN the real bank with one problem of each kind planted in different rows
    rows = copy.deepcopy(ROWS)
    rows[4]["id"] = rows[3]["id"]  # duplicate id
    for option in rows[10]["options"]:
        option["correct"] = False  # zero correct options
    for index, option in enumerate(rows[20]["options"]):
        option["correct"] = index < 2  # two correct options
    rows[30]["document_id"] = "no-such-document"
    rows[40]["text"] = ""
    rows[50]["options"][1]["text"] = "  "
    # WHEN the bank is validated
    with pytest.raises(InvalidBank) as refused:
        validate_bank(rows, DOCUMENTS)
    # THEN every bad row is named (1-based), with its problem, and the good rows are not
    reported = {(e.row, e.problem) for e in refused.value.errors}
    assert reported == {
        (4, "duplicate id"),
        (5, "duplicate id"),
        (11, "needs exactly one correct option, has 0"),
        (21, "needs exactly one correct option, has 2"),
        (31, "unknown document no-such-document"),
        (41, "empty text"),
        (51, "empty option text"),
    }
    assert str(refused.value) == "7 problem(s) in the question bank"


def test_a_row_with_several_problems_reports_each_of_them() -> None:
    row = {"id": "q1", "document_id": "nope", "text": "", "options": [{"text": "A", "correct": False}] * 2}
    problems = {e.problem for e in problems_of([row])}
    assert problems == {
        "empty text",
        "unknown document nope",
        "duplicate option text",
        "needs exactly one correct option, has 0",
    }


@pytest.mark.parametrize("rows", [{}, "questions", None])
def test_a_bank_that_is_not_a_list_is_refused(rows: object) -> None:
    assert [e.problem for e in problems_of(rows)] == ["the bank must be a JSON array"]


def test_a_row_that_is_not_an_object_is_refused() -> None:
    errors = problems_of([good_row("q1"), ["not", "an", "object"]])
    assert [(e.row, e.problem) for e in errors] == [(2, "not an object")]


def test_ids_that_differ_only_by_spaces_are_duplicates() -> None:
    errors = problems_of([good_row("q1"), good_row("q1 ")])
    assert [e.problem for e in errors] == ["duplicate id", "duplicate id"]


def test_a_null_source_is_loaded_as_no_source() -> None:
    (question,) = validate_bank([{**good_row("q1"), "source": None}], DOCUMENTS)
    assert question.source == ""


def test_texts_are_stripped_when_loaded() -> None:
    row = {**good_row("q1"), "text": "  Câu hỏi?  "}
    row["options"][0]["text"] = " Phương án A "
    (question,) = validate_bank([row], DOCUMENTS)
    assert question.text == "Câu hỏi?"
    assert question.options[0] == "Phương án A"
    assert question.correct_index == 1


# ---------------------------------------------------------------- seeding


def test_seeding_a_bad_bank_writes_nothing_at_all() -> None:
    # GIVEN the real contest and its bank with a single bad row at the end
    rows = [*copy.deepcopy(ROWS), {**good_row("late-bad-row"), "text": ""}]
    repository = FakeRepository()
    # WHEN it is seeded
    with pytest.raises(InvalidBank) as refused:
        seed(repository, CONTEST, rows, NOW)
    # THEN the bad row is reported and not even the contest or a round was written
    assert [(e.row, e.problem) for e in refused.value.errors] == [(len(rows), "empty text")]
    assert repository.writes == 0


def test_seeding_the_real_bank_writes_the_contest_rounds_and_every_question() -> None:
    repository = FakeRepository()
    report = seed(repository, CONTEST, ROWS, NOW)
    assert report.contest_created
    assert report.rounds_created == len(CONTEST["rounds"]) == 2
    assert report.questions_created == report.questions_in_file == len(ROWS)
    assert "rounds" not in repository.contests[CONTEST["id"]]
    assert repository.rounds[(CONTEST["id"], "r1")].closes_at == 1_639_906_200_000  # 16:30 +07:00


def test_seeding_twice_creates_nothing_the_second_time() -> None:
    repository = FakeRepository()
    seed(repository, CONTEST, ROWS, NOW)
    again = seed(repository, CONTEST, ROWS, NOW + 1)
    assert (again.contest_created, again.rounds_created, again.questions_created) == (False, 0, 0)
    assert again.questions_in_file == len(ROWS)
