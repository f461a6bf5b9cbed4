"""The question bank's rules: every row rule reported by row and column with a Vietnamese
message, the bank rules measured over a whole bank, and seeding that writes nothing from a
bad bank. Banks are built here: no test depends on question_data/questions."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.data.bank_store import Manifest
from chalicelib.data.repository import RoundRecord
from chalicelib.domain.bank import (
    BankPolicy,
    DocumentLimits,
    InvalidBank,
    RowError,
    bank_problems,
    check_rows,
    draft_from_cells,
    is_all_of_above,
    measure,
    stem_gives_key_away,
    uniquely_longest_is_key,
    validate_bank,
)
from chalicelib.domain.quiz import Question
from chalicelib.seeding import seed
from tests.bank_factory import question_row, synthetic_bank

CONTEST = json.loads((Path(__file__).resolve().parents[2] / "question_data" / "contest.json").read_text())
DOCUMENTS = {document["id"] for document in CONTEST["documents"]}
NOW = 1_639_000_000_000


def errors_of(rows: object) -> list[RowError]:
    with pytest.raises(InvalidBank) as refused:
        validate_bank(rows, DOCUMENTS)
    return refused.value.errors


def with_options(row: dict, *texts: str, correct: int = 0) -> dict:
    return {**row, "options": [{"text": t, "correct": i == correct} for i, t in enumerate(texts)]}


# ---------------------------------------------------------------- row rules


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"text": "   "}, "text", "không được để trống"),
        ({"id": ""}, "id", "không được để trống"),
        ({"id": "câu 1"}, "id", "chỉ gồm chữ không dấu"),
        ({"document_id": "nd-99-2099"}, "document_id", "không có văn bản mã “nd-99-2099”"),
        ({"kind": "trivia"}, "kind", "phải là content"),
        ({"source": ""}, "source", "cần ghi nguồn"),
        ({"source": "Nghị định 61/2018/NĐ-CP"}, "source", "nguồn phải nêu điều"),
        ({"source": "Nghị định 61/2018/NĐ-CP, theo báo Nhân dân"}, "source", "nguồn phải nêu điều"),
        ({"exclusion_group": "nhóm 1"}, "exclusion_group", "chỉ gồm chữ không dấu"),
        ({"text": "Câu hỏi\u202e?"}, "text", "phải là chuỗi ký tự hợp lệ"),
        ({"related_document_ids": ["nd-00-0000"]}, "document_id", "văn bản liên quan không có"),
    ],
)
def test_each_broken_field_is_named_by_row_column_and_a_vietnamese_message(
    change: dict, column: str, message: str
) -> None:
    # GIVEN three good rows, the second with one problem
    rows = [question_row("q1"), {**question_row("q2"), **change}, question_row("q3")]
    # WHEN the bank is validated
    errors = errors_of(rows)
    # THEN that problem is reported for row 2 only, in its column
    assert [(e.row, e.column, e.question_id) for e in errors] == [(2, column, rows[1]["id"])]
    assert errors[0].message.startswith(message)


@pytest.mark.parametrize(
    ("texts", "correct", "column", "message"),
    [
        (("A1", "B1", "C1"), 0, "option_a", "cần đúng 4 phương án (có 3)"),
        (("A1", "B1", "C1", "D1", "E1"), 0, "option_a", "cần đúng 4 phương án (có 5)"),
        (("A1", "B1", "a1 ", "D1"), 0, "option_c", "trùng với option_a"),
        (("A1", "  ", "C1", "D1"), 0, "option_b", "phương án không được để trống"),
        (("A1", "B1", "C1", "D1"), None, "correct", "cần đúng 1 phương án đúng (có 0)"),
    ],
)
def test_options_need_four_distinct_texts_and_one_key(texts, correct, column, message) -> None:
    row = with_options(question_row("q1"), *texts, correct=correct if correct is not None else -1)
    errors = errors_of([row])
    assert (errors[0].column, errors[0].message) == (column, message)


def test_two_keys_or_a_string_true_are_refused() -> None:
    row = question_row("q1")
    row["options"][2]["correct"] = True
    assert [e.message for e in errors_of([row])] == ["cần đúng 1 phương án đúng (có 2)"]
    row = question_row("q1")
    row["options"][1]["correct"] = "true"
    messages = [e.message for e in errors_of([row])]
    assert "phương án B: correct phải là true/false" in messages


@pytest.mark.parametrize(
    ("text", "options", "correct"),
    [
        # the whole key
        (
            "Bộ phận Một cửa cấp huyện có tên là gì?",
            ("Bộ phận Một cửa", "Văn phòng", "Phòng Tư pháp", "Sở"),
            0,
        ),
        # the date that only the key has
        (
            "Chương trình 10/CTr-TU ban hành ngày 15/7/2021 nhằm thực hiện nghị quyết nào?",
            ("Ngày 15/7/2021", "Ngày 16/8/2021", "Ngày 12/7/2021", "Ngày 19/2/2021"),
            0,
        ),
        # the document's number, asked about in its own stem
        (
            "Kế hoạch số 178/KH-UBND về chuyển đổi số có số hiệu là gì?",
            ("Số 10/CTr-TU", "Số 178/KH-UBND", "Số 2173/ĐA-UBND", "Số 402/QĐ-UBND"),
            1,
        ),
        # a run of three words only the key has
        (
            "Cơ quan nào tiếp nhận hồ sơ qua dịch vụ bưu chính công ích?",
            ("Nhân viên dịch vụ bưu chính công ích", "Công an xã", "Thanh tra tỉnh", "Hội đồng nhân dân"),
            0,
        ),
    ],
)
def test_a_stem_that_holds_its_key_is_refused(text: str, options: tuple, correct: int) -> None:
    assert stem_gives_key_away(text, options, correct)
    row = with_options({**question_row("q1"), "text": text}, *options, correct=correct)
    assert [(e.column, e.message) for e in errors_of([row])] == [
        ("text", "câu hỏi chứa sẵn đáp án (nội dung riêng của phương án đúng)")
    ]


@pytest.mark.parametrize(
    ("text", "options", "correct"),
    [
        # words the stem shares with every option do not give the key away
        (
            "Thời hạn giải quyết hồ sơ ở cấp xã là bao nhiêu ngày làm việc?",
            ("03 ngày làm việc", "05 ngày làm việc", "07 ngày làm việc", "10 ngày làm việc"),
            1,
        ),
        (
            "Ai ký quyết định thành lập Bộ phận Một cửa cấp xã?",
            ("Chủ tịch UBND cấp xã", "Chủ tịch UBND cấp huyện", "Bí thư Đảng ủy", "Công chức tư pháp"),
            0,
        ),
    ],
)
def test_a_stem_sharing_common_words_with_the_options_is_accepted(text, options, correct) -> None:
    assert not stem_gives_key_away(text, options, correct)


@pytest.mark.parametrize(
    "source",
    [
        "Nghị định 61/2018/NĐ-CP, Điều 18 khoản 2",
        "Nghị quyết 76/NQ-CP, Chương trình kèm theo, Mục II",
        "Kế hoạch cuộc thi (danh mục tài liệu)",
        "QĐ 45/2016/QĐ-TTg, điều 5",
        "Nghị quyết 01-NQ/TU, mục tiêu tổng quát (theo ictvietnam.vn, baophapluat.vn)",
        "Nghị quyết 76/NQ-CP, Chương trình kèm theo, phần nhiệm vụ",
    ],
)
def test_a_source_naming_an_article_a_section_or_the_plan_is_accepted(source: str) -> None:
    (question,) = validate_bank([{**question_row("q1"), "source": source}], DOCUMENTS)
    assert question.source == source


def test_every_row_with_a_repeated_id_or_stem_is_reported() -> None:
    rows = [
        question_row("q1"),
        question_row("q2"),
        {**question_row("q1"), "text": "Một câu khác?"},
        {**question_row("q4"), "text": "Câu?"},
    ]
    rows.append({**question_row("q5"), "text": "Câu?"})
    errors = errors_of(rows)
    assert [(e.row, e.column) for e in errors] == [(1, "id"), (3, "id"), (4, "text"), (5, "text")]


def test_a_row_with_several_problems_reports_each_of_them() -> None:
    row = {"id": "q1", "document_id": "nope", "kind": "x", "text": "", "options": [], "source": ""}
    columns = sorted(e.column for e in errors_of([row]))
    assert columns == ["correct", "document_id", "kind", "option_a", "source", "text"]


@pytest.mark.parametrize("rows", [{}, "questions", None])
def test_a_bank_that_is_not_a_list_is_refused(rows: object) -> None:
    assert [e.message for e in errors_of(rows)] == ["ngân hàng câu hỏi phải là một mảng JSON"]


def test_a_row_that_is_not_an_object_is_refused() -> None:
    errors = errors_of([question_row("q1"), ["not", "an", "object"]])
    assert {(e.row, e.column) for e in errors} >= {(2, "")}


def test_texts_are_normalised_when_loaded() -> None:
    # GIVEN a stem with runs of spaces and a decomposed "ỏ" (o + combining hook above)
    row = {**question_row("q1"), "text": "  Câu   ho\u0309i thử?  "}
    (question,) = validate_bank([row], DOCUMENTS)
    # THEN it is stored in NFC with single spaces
    assert question.text == "Câu h\u1ecfi thử?"
    assert question.correct_index == 1 and question.kind == "content"


# ---------------------------------------------------------------- sheet rows (the import)


def cells(**changes: str) -> dict[str, str]:
    base = {
        "id": "nhap-01",
        "document_id": "nd-61-2018",
        "kind": "content",
        "text": "Hồ sơ nhận sau 15 giờ được xử lý khi nào?",
        "option_a": "Ngay trong ngày",
        "option_b": "Ngày làm việc tiếp theo",
        "option_c": "Sau ba ngày",
        "option_d": "Khi có đủ hồ sơ khác",
        "correct": "B",
        "source": "Nghị định 61/2018/NĐ-CP, Điều 18 khoản 2",
        "exclusion_group": "",
    }
    return {**base, **changes}


def test_a_sheet_row_is_read_with_its_letter_key_and_numbered_as_in_the_sheet() -> None:
    drafts = [
        draft_from_cells(cells()),
        draft_from_cells(cells(id="nhap-02", text="Câu khác?", correct="x", kind="Metadata")),
    ]
    errors = check_rows(drafts, DOCUMENTS, first_row=2)
    assert [(e.row, e.column, e.message) for e in errors] == [
        (3, "correct", "phải là một chữ cái A, B, C hoặc D")
    ]
    assert drafts[0].question().correct_index == 1
    assert drafts[1].kind == "metadata"


# ---------------------------------------------------------------- bank rules


def make(
    n: int, document_id: str = "nd-63-2010", *, kind: str = "content", options=None, correct=0
) -> Question:
    return Question(
        id=f"{document_id}-{n}",
        document_id=document_id,
        text=f"Câu {n}?",
        options=options or ("Một", "Hai", "Ba", "Bốn"),
        correct_index=correct,
        kind=kind,
    )


POLICY = BankPolicy.of(CONTEST["bank_rules"])


def test_the_contest_s_bank_rules_are_those_of_the_issue() -> None:
    assert (POLICY.min_questions, POLICY.min_content_share, POLICY.max_longest_key_share) == (200, 0.85, 0.30)
    assert POLICY.documents["nd-45-2020"] == DocumentLimits(minimum=15)
    assert POLICY.documents["qd-402-2021"] == DocumentLimits(maximum=5, kinds=("metadata",))


def test_a_bank_meeting_every_rule_has_no_problem() -> None:
    # GIVEN 40 questions on each big decree and 10 on each resolution, keys of equal length
    questions = [
        make(n, d) for d in ("nd-63-2010", "nd-43-2011", "nd-61-2018", "qd-45-2016") for n in range(40)
    ]
    questions += [make(n, d) for d in ("nq-76-2021", "nq-01-2020") for n in range(10)]
    questions += [make(n, "nd-45-2020") for n in range(15)]
    questions += [make(n, "ctr-10-2021", kind="metadata") for n in range(5)]
    assert bank_problems(questions, POLICY) == []


def test_each_bank_rule_broken_is_reported() -> None:
    longest_key = ("Phương án dài nhất", "Ngắn", "Ngắn nữa", "Khác")
    questions = [make(n, "nd-63-2010", options=longest_key) for n in range(10)]
    questions += [make(n, "qd-402-2021", kind="metadata") for n in range(6)]
    questions += [make(n, "ctr-10-2021", kind="content") for n in range(1)]
    questions += [
        make(n, "nq-76-2021", options=("Một", "Hai", "Ba", "Tất cả các ý trên"), correct=3) for n in range(6)
    ]
    problems = bank_problems(questions, POLICY)
    assert "ngân hàng có 23 câu, cần ít nhất 200" in problems
    assert "nd-61-2018: có 0 câu, cần ít nhất 30" in problems
    assert "qd-402-2021: có 6 câu, tối đa 5" in problems
    assert "ctr-10-2021: chỉ được có câu loại metadata (có content)" in problems
    assert "câu nội dung chiếm 74%, cần ít nhất 85%" in problems
    assert "phương án dài nhất là đáp án ở 70% số câu, tối đa 30%" in problems
    assert "6 câu có phương án “tất cả các ý trên”, tối đa 5" in problems
    assert "phương án “tất cả các ý trên” lần nào cũng là đáp án" in problems


def test_an_exclusion_group_of_one_question_is_reported() -> None:
    questions = [
        replace(make(1), exclusion_group="g1"),
        replace(make(2), exclusion_group="g2"),
        replace(make(3), exclusion_group="g2"),
    ]
    assert bank_problems(questions, BankPolicy()) == ["nhóm loại trừ g1 chỉ có một câu (nd-63-2010-1)"]


@pytest.mark.parametrize(
    ("option", "flagged"),
    [
        ("Tất cả các ý trên", True),
        ("Cả A, B và C", True),
        ("Cả ba phương án trên", True),
        ("Tất cả các phương án nêu trên đều đúng", True),
        ("Tất cả các thủ tục hành chính", False),
        ("Cả cơ quan và tổ chức", False),
        ("Công chức cấp xã", False),
    ],
)
def test_all_of_the_above_options_are_recognised(option: str, flagged: bool) -> None:
    assert is_all_of_above(option) is flagged


@given(
    st.lists(st.tuples(st.lists(st.integers(1, 30), min_size=4, max_size=4), st.integers(0, 3)), max_size=40)
)
def test_the_length_bias_counts_questions_whose_uniquely_longest_option_is_the_key(rows) -> None:
    questions = [
        Question(
            f"q{n}", "nd-63-2010", "?", tuple("x" * length + str(i) for i, length in enumerate(lengths)), key
        )
        for n, (lengths, key) in enumerate(rows)
    ]
    expected = sum(max(lengths) == lengths[key] and lengths.count(max(lengths)) == 1 for lengths, key in rows)
    assert measure(questions).longest_is_key == expected == sum(map(uniquely_longest_is_key, questions))


def test_the_measures_count_documents_kinds_groups_and_key_positions() -> None:
    questions = validate_bank(synthetic_bank(CONTEST), DOCUMENTS)
    m = measure(questions)
    assert m.total == 7 * 6 + 4 * 2
    assert m.per_kind == {"content": 42, "metadata": 8}
    assert m.per_document["nd-63-2010"] == {"content": 6}
    assert sum(m.key_positions.values()) == m.total


# ---------------------------------------------------------------- seeding


class FakeRepository:
    """In memory, with the put-if-absent writes ``seed`` makes; records every write."""

    def __init__(self) -> None:
        self.contests: dict[str, dict] = {}
        self.rounds: dict[tuple[str, str], RoundRecord] = {}
        self.writes = 0

    def put_contest_if_absent(self, contest_id: str, body: dict, now_ms: int) -> bool:
        self.writes += 1
        return self.contests.setdefault(contest_id, body) is body

    def put_round_if_absent(self, contest_id: str, record: RoundRecord, now_ms: int) -> bool:
        self.writes += 1
        return self.rounds.setdefault((contest_id, record.round_id), record) is record


class FakeQuestionStore:
    """The bank's items and manifest in memory, as ``data.bank_store`` keeps them."""

    def __init__(self) -> None:
        self.items: dict[str, Question] = {}
        self.manifest = Manifest(0, {})
        self.writes = 0

    def put_version(self, contest_id: str, key: str, question: Question, actor: str, now_ms: int) -> bool:
        self.writes += 1
        return self.items.setdefault(key, question) is question

    def load(self, contest_id: str) -> tuple[Manifest, list[Question]]:
        entries = self.manifest.entries or {k: {"state": "active", "keys": [k]} for k in self.items}
        return Manifest(self.manifest.revision, entries), []

    def switch(self, contest_id, expected_revision, entries, actor, now_ms) -> bool:
        self.writes += 1
        if expected_revision != self.manifest.revision:
            return False
        self.manifest = Manifest(expected_revision + 1, dict(entries))
        return True


def test_seeding_a_bad_bank_writes_nothing_at_all() -> None:
    # GIVEN a bank with a single bad row at the end
    rows = [*synthetic_bank(CONTEST), {**question_row("late-bad-row"), "text": ""}]
    repository, store = FakeRepository(), FakeQuestionStore()
    # WHEN it is seeded
    with pytest.raises(InvalidBank) as refused:
        seed(repository, CONTEST, rows, NOW, question_store=store)
    # THEN the bad row is reported and not even the contest or a round was written
    assert [(e.row, e.column) for e in refused.value.errors] == [(len(rows), "text")]
    assert repository.writes == store.writes == 0


def test_seeding_writes_the_contest_rounds_questions_and_the_manifest_once() -> None:
    rows = synthetic_bank(CONTEST)
    repository, store = FakeRepository(), FakeQuestionStore()
    report = seed(repository, CONTEST, rows, NOW, question_store=store)
    assert report.contest_created
    assert report.rounds_created == len(CONTEST["rounds"]) == 2
    assert report.questions_created == report.questions_in_file == len(rows)
    assert "rounds" not in repository.contests[CONTEST["id"]]
    assert "bank_rules" not in repository.contests[CONTEST["id"]]
    assert repository.rounds[(CONTEST["id"], "r1")].closes_at == 1_639_906_200_000  # 16:30 +07:00
    assert store.manifest.revision == 1
    assert store.manifest.entries["nd-63-2010-t01"] == {"state": "active", "keys": ["nd-63-2010-t01"]}
    # AND seeding again creates nothing and leaves the manifest as it is
    writes = store.writes
    again = seed(repository, CONTEST, rows, NOW + 1, question_store=store)
    assert (again.contest_created, again.rounds_created, again.questions_created) == (False, 0, 0)
    assert store.manifest.revision == 1
    assert store.writes == writes + len(rows)  # put-if-absent attempts only


def test_seeding_keeps_what_organizers_changed_in_the_manifest() -> None:
    rows = synthetic_bank(CONTEST)
    repository, store = FakeRepository(), FakeQuestionStore()
    seed(repository, CONTEST, rows, NOW, question_store=store)
    edited = {"state": "retired", "keys": ["nd-63-2010-t01", "nd-63-2010-t01#v0002#abcd"]}
    store.manifest = Manifest(5, {**store.manifest.entries, "nd-63-2010-t01": edited})
    seed(repository, CONTEST, [*rows, question_row("new-one")], NOW, question_store=store)
    assert store.manifest.entries["nd-63-2010-t01"] == edited
    assert store.manifest.entries["new-one"] == {"state": "active", "keys": ["new-one"]}
    assert store.manifest.revision == 6
