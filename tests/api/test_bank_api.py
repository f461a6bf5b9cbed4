"""Question bank management over moto: who may read and change it, list filters, create,
edit (a new version: attempts keep the one they showed), retire, the import contract (dry
run, refusal that writes nothing, applied once), templates and export, and the participant
side's cache."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from chalicelib.catalog import BANK_CACHE_SECONDS
from chalicelib.data.bank_store import QuestionStore
from chalicelib.data.models import AttemptModel
from chalicelib.domain import quiz
from chalicelib.domain.bank import COLUMNS
from chalicelib.domain.timing import parse_iso
from chalicelib.files import XLSX_TYPE
from tests.api.conftest import ADMIN
from tests.api.people import registration

PASSWORD = "mat-khau-du-dai-1"
ROUND1_CLOSE = parse_iso("2021-12-19T16:30:00+07:00")


def _token(api, role: str) -> str:
    username = f"nguoi-{role.replace('_', '-')}"
    body = {"username": username, "full_name": f"Người {role}", "role": role, "password": PASSWORD}
    if role == "unit_organizer":
        body["unit_id"] = "mo-che"
    assert api.post("/admin/organizers", body, headers=ADMIN).status_code == 201
    return api.post("/admin/sessions", {"username": username, "password": PASSWORD}).json_body["token"]


@pytest.fixture
def editor(api) -> dict:
    return {"Authorization": "Bearer " + _token(api, "editor")}


def form(question_id: str = "moi-01", **changes) -> dict:
    body = {
        "id": question_id,
        "document_id": "nd-61-2018",
        "kind": "content",
        "text": "Hồ sơ tiếp nhận sau 15 giờ hằng ngày được xử lý vào lúc nào?",
        "options": [
            {"text": "Ngay trong buổi chiều", "correct": False},
            {"text": "Ngày làm việc tiếp theo", "correct": True},
            {"text": "Sau ba ngày làm việc", "correct": False},
            {"text": "Khi người nộp quay lại", "correct": False},
        ],
        "source": "Nghị định 61/2018/NĐ-CP, Điều 18 khoản 2",
        "exclusion_group": None,
    }
    return {**body, **changes}


def sheet_rows(*ids: str, text: str = "Câu hỏi nhập số {id} nói về điều gì?") -> list[list[str]]:
    return [
        [
            question_id,
            "nd-43-2011",
            "content",
            text.format(id=question_id),
            f"Phương án một {question_id}",
            f"Phương án hai {question_id}",
            f"Phương án ba {question_id}",
            f"Phương án bốn {question_id}",
            "C",
            "Nghị định 43/2011/NĐ-CP, Điều 3 khoản 4",
            "",
        ]
        for question_id in ids
    ]


def csv_file(rows: list[list[str]], header=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_file(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(api, data: bytes, headers: dict, *, dry_run: bool = False, content_type: str = "text/csv"):
    path = "/admin/questions/import" + ("?dry_run=1" if dry_run else "")
    return api.client.http.post(path, body=data, headers={**headers, "Content-Type": content_type})


def listed(api, query: str = "") -> list[dict]:
    response = api.get("/admin/questions" + query, headers=ADMIN)
    assert response.status_code == 200, response.body
    return response.json_body


def revision(api) -> int:
    return QuestionStore().manifest(api.services.settings.contest_id).revision


def audit(api, action: str) -> list[dict]:
    return api.get(f"/admin/audit?action={action}", headers=ADMIN).json_body["events"]


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/questions"),
        ("post", "/admin/questions"),
        ("get", "/admin/questions/nd-63-2010-t01"),
        ("put", "/admin/questions/nd-63-2010-t01"),
        ("post", "/admin/questions/nd-63-2010-t01/retire"),
        ("post", "/admin/questions/import?dry_run=1"),
        ("get", "/admin/questions/template.csv"),
        ("get", "/admin/questions/template.xlsx"),
        ("get", "/admin/questions/export.xlsx"),
    ],
)
def test_every_bank_route_refuses_a_missing_token(api, method, path):
    response = getattr(api.client.http, method)(path, body="{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("role", ["unit_organizer", "viewer"])
def test_unit_organizers_and_viewers_may_neither_read_nor_change_the_bank(api, role):
    headers = {"Authorization": "Bearer " + _token(api, role)}
    assert api.get("/admin/questions", headers=headers).status_code == 403
    assert api.post("/admin/questions", form(), headers=headers).status_code == 403
    assert upload(api, csv_file(sheet_rows("x-1")), headers, dry_run=True).status_code == 403
    assert api.get("/admin/questions/template.csv", headers=headers).status_code == 403


# ---------------------------------------------------------------- list and view


def test_the_list_keeps_its_shape_and_adds_kind_version_and_state(api, editor):
    questions = api.get("/admin/questions", headers=editor).json_body
    assert len(questions) == 50
    first = questions[0]
    assert set(first) == {
        "id",
        "document_id",
        "text",
        "options",
        "correct_option_id",
        "source",
        "kind",
        "version",
        "state",
        "exclusion_group",
    }
    assert (first["version"], first["state"]) == (1, "active")
    assert [o["id"] for o in first["options"]] == ["0", "1", "2", "3"]


def test_the_list_filters_by_document_kind_state_and_text_with_or_without_accents(api):
    assert {q["document_id"] for q in listed(api, "?document=nd-43-2011")} == {"nd-43-2011"}
    assert len(listed(api, "?kind=metadata")) == 8
    assert listed(api, "?state=retired") == []
    found = listed(api, "?q=cau%20hoi%20thu%20so%20nd-61-2018-t03")  # "Câu hỏi thử số ..." typed plain
    assert [q["id"] for q in found] == ["nd-61-2018-t03"]
    assert listed(api, "?q=kh%C3%B4ng-c%C3%B3-%C4%91%C3%A2u") == []


def test_an_unknown_question_is_404(api, editor):
    response = api.get("/admin/questions/khong-co", headers=editor)
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "QUESTION_NOT_FOUND"


# ---------------------------------------------------------------- create, edit, retire


def test_an_editor_creates_a_question_and_the_change_is_audited_with_its_actor(api, editor):
    response = api.post("/admin/questions", form(), headers=editor)
    assert response.status_code == 201, response.body
    assert (response.json_body["version"], response.json_body["correct_option_id"]) == (1, "1")
    assert api.get("/admin/questions/moi-01", headers=editor).json_body["text"].startswith("Hồ sơ")
    (event,) = audit(api, "question.create")
    assert (event["actor"], event["role"], event["target"]) == ("nguoi-editor", "editor", "moi-01")
    again = api.post("/admin/questions", form(), headers=editor)
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "QUESTION_EXISTS")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "trivia"}, "kind"),
        ({"source": "Nghị định 61"}, "source"),
        ({"options": [{"text": "A", "correct": True}]}, "option_a"),
        ({"text": "Ngày làm việc tiếp theo là khi nào?"}, "text"),  # the stem holds its key
    ],
)
def test_a_question_breaking_a_row_rule_is_refused_with_its_field(api, editor, change, field):
    response = api.post("/admin/questions", form(**change), headers=editor)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "QUESTION_INVALID"
    assert response.json_body["error"]["field"] == field
    assert api.get("/admin/questions/moi-01", headers=editor).status_code == 404


def _register_and_start(api):
    token = api.post("/participants", registration()).json_body["token"]
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    return token, attempt


def _perfect(api, attempt) -> dict[str, str]:
    bank = api.services.catalog.bank().by_id
    layout = [(q["id"], [], 1) for q in attempt["questions"]]
    return quiz.correct_option_ids(
        layout, bank, secret=api.services.settings.token_secret, attempt_id=attempt["attempt_id"]
    )


def test_an_edited_question_gets_a_new_version_and_an_attempt_keeps_the_one_it_showed(api, editor):
    # GIVEN an attempt answered perfectly
    token, attempt = _register_and_start(api)
    answers = _perfect(api, attempt)
    shown = attempt["questions"][0]
    # WHEN an editor changes that question's text and key
    current = api.get(f"/admin/questions/{shown['id']}", headers=editor).json_body
    key = int(current["correct_option_id"])
    options = [
        {"text": o["text"] + " (sửa)", "correct": i == (key + 1) % 4}
        for i, o in enumerate(current["options"])
    ]
    edited = api.put(
        f"/admin/questions/{shown['id']}",
        {**form(shown["id"]), "document_id": current["document_id"], "options": options, "version": 1},
        headers=editor,
    )
    assert edited.status_code == 200, edited.body
    assert edited.json_body["version"] == 2
    assert [v["version"] for v in edited.json_body["versions"]] == [2, 1]
    (event,) = audit(api, "question.edit")
    assert (event["actor"], event["details"]) == ("nguoi-editor", {"version": 2})
    # THEN the attempt, resumed, still shows version 1, and is scored by it
    resumed = api.post("/rounds/r1/attempts", {}, token).json_body
    assert resumed["questions"][0] == shown
    api.clock.advance(seconds=120)
    submitted = api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers}, token)
    assert submitted.status_code == 200
    stored = api.services.repository.get_attempt(*attempt["attempt_id"].split(".")[:2], 1)
    assert stored.correct == 20
    assert [entry[2] for entry in stored.layout if entry[0] == shown["id"]] == [1]
    # AND the review, once the round is closed, shows the key and text of version 1
    api.set_rules(review_visibility="after_close")
    api.clock.advance(ms=ROUND1_CLOSE + 60_000 - api.clock.now_ms())
    api.drain_stream()
    assert api.post("/admin/rounds/r1/close", {}, headers=ADMIN).status_code == 200
    (entry,) = api.get("/me", token).json_body["attempts"]
    reviewed = next(q for q in entry["review"] if q["id"] == shown["id"])
    assert reviewed["correct_option_id"] == answers[shown["id"]]
    assert reviewed["text"] == shown["text"]


def test_an_edit_on_a_stale_version_is_refused_and_an_unchanged_edit_makes_no_version(api, editor):
    current = api.get("/admin/questions/nd-63-2010-t01", headers=editor).json_body
    same = {
        **form("nd-63-2010-t01"),
        "document_id": current["document_id"],
        "text": current["text"],
        "source": current["source"],
        "options": [
            {"text": o["text"], "correct": o["id"] == current["correct_option_id"]}
            for o in current["options"]
        ],
    }
    unchanged = api.put("/admin/questions/nd-63-2010-t01", same, headers=editor)
    assert unchanged.status_code == 200
    assert unchanged.json_body["version"] == 1
    assert audit(api, "question.edit") == []
    stale = api.put(
        "/admin/questions/nd-63-2010-t01", {**same, "text": "Câu đã sửa?", "version": 7}, headers=editor
    )
    assert (stale.status_code, stale.json_body["error"]["code"]) == (409, "CONFLICT")


def test_a_retired_question_is_never_drawn_but_keeps_scoring_the_attempts_that_hold_it(api, editor):
    # GIVEN an attempt that holds a question
    token, attempt = _register_and_start(api)
    answers = _perfect(api, attempt)
    held = attempt["questions"][0]["id"]
    # WHEN the question is retired
    retired = api.post(f"/admin/questions/{held}/retire", {}, headers=editor)
    assert retired.status_code == 200
    assert retired.json_body["state"] == "retired"
    assert [e["target"] for e in audit(api, "question.retire")] == [held]
    # THEN the attempt is still scored on it
    api.clock.advance(seconds=120)
    api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers}, token)
    participant_id = attempt["attempt_id"].split(".")[0]
    assert api.services.repository.get_attempt(participant_id, "r1", 1).correct == 20
    # AND no new attempt draws it (the participant side sees the change within its cache time)
    api.clock.advance(seconds=BANK_CACHE_SECONDS + 1)
    for _ in range(3):
        _other, later = _register_and_start(api)
        assert held not in {q["id"] for q in later["questions"]}


# ---------------------------------------------------------------- import


def test_a_dry_run_shows_every_row_s_errors_and_actions_and_writes_nothing(api, editor):
    # GIVEN a file with two good rows (one new, one changing a question) and two bad ones
    rows = sheet_rows("nhap-01", "nd-43-2011-t01")
    rows += [["nhap-03", "nd-00-0000", "content", "Câu?", "a", "b", "c", "d", "E", "Điều 1", ""]]
    rows += sheet_rows("nhap-01")  # the same id twice
    before = revision(api)
    # WHEN it is sent as a dry run
    response = upload(api, csv_file(rows), editor, dry_run=True)
    # THEN every row is listed with its spreadsheet row number, column and message
    assert response.status_code == 200, response.body
    body = response.json_body
    assert (body["valid"], body["added"], body["changed"]) == (False, 0, 1)
    by_row = {r["row"]: r for r in body["rows"]}
    assert by_row[3]["action"] == "change" and by_row[3]["errors"] == []
    assert {e["column"] for e in by_row[4]["errors"]} == {"document_id", "correct"}
    assert (
        by_row[2]["errors"]
        == by_row[5]["errors"]
        == [
            {"column": "id", "message": "mã câu hỏi bị trùng trong tệp"},
            {"column": "text", "message": "câu hỏi trùng nguyên văn với câu khác trong tệp"},
        ]
    )
    assert revision(api) == before


def test_an_invalid_file_is_refused_with_the_same_rows_and_writes_nothing(api, editor):
    empty_stem = ["nhap-03", "nd-43-2011", "content", "", "a", "b", "c", "d", "A", "Điều 1", ""]
    rows = [*sheet_rows("nhap-01", "nhap-02"), empty_stem]
    dry = upload(api, csv_file(rows), editor, dry_run=True).json_body
    before = revision(api)
    response = upload(api, csv_file(rows), editor)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "IMPORT_INVALID"
    assert response.json_body["rows"] == dry["rows"]
    assert revision(api) == before
    assert api.get("/admin/questions/nhap-01", headers=editor).status_code == 404
    assert audit(api, "question.import") == []


def test_a_valid_file_is_applied_once_and_re_applying_it_changes_nothing(api, editor):
    data = csv_file(sheet_rows("nhap-01", "nhap-02", "nd-43-2011-t02"))
    first = upload(api, data, editor)
    assert first.status_code == 200, first.body
    assert (first.json_body["valid"], first.json_body["added"], first.json_body["changed"]) == (True, 2, 1)
    after_first = revision(api)
    assert api.get("/admin/questions/nd-43-2011-t02", headers=editor).json_body["version"] == 2
    assert api.get("/admin/questions/nhap-02", headers=editor).json_body["correct_option_id"] == "2"
    (event,) = audit(api, "question.import")
    assert event["details"] == {"added": ["nhap-01", "nhap-02"], "changed": ["nd-43-2011-t02"]}
    again = upload(api, data, editor)
    assert (again.json_body["added"], again.json_body["changed"]) == (0, 0)
    assert {r["action"] for r in again.json_body["rows"]} == {"same"}
    assert revision(api) == after_first
    assert len(audit(api, "question.import")) == 1


def test_an_xlsx_file_is_read_like_a_csv_one(api, editor):
    response = upload(api, xlsx_file(sheet_rows("nhap-x1")), editor, content_type=XLSX_TYPE)
    assert response.status_code == 200, response.body
    assert response.json_body["added"] == 1
    assert api.get("/admin/questions/nhap-x1", headers=editor).json_body["document_id"] == "nd-43-2011"


def test_a_file_that_is_not_a_sheet_is_a_clear_4xx(api, editor):
    assert upload(api, b"", editor).status_code == 400
    assert upload(api, b"\x00\x01", editor, content_type="image/png").status_code == 415
    empty = upload(api, csv_file([]), editor, dry_run=True).json_body
    assert empty["valid"] is False


def test_an_import_is_seen_whole_by_the_participant_side_within_its_cache_time(api, editor):
    # GIVEN the participant side's cached bank
    catalog = api.services.catalog
    before = catalog.bank()
    # WHEN version items are written but the manifest not switched yet (an import under way)
    store = QuestionStore()
    contest_id = api.services.settings.contest_id
    question = before.by_id["nd-63-2010-t01"]
    store.put_version(contest_id, "nd-63-2010-t01#v0002#halfway", question, "test", api.clock.now_ms())
    api.clock.advance(seconds=BANK_CACHE_SECONDS + 1)
    # THEN a reader sees none of it
    assert catalog.bank().by_id["nd-63-2010-t01"].version == 1
    # AND once an import is applied, the cache shows all of it after its time, not before
    upload(api, csv_file(sheet_rows("nhap-01", "nhap-02")), editor)
    other_container = type(catalog)(
        repository=api.services.repository, clock=api.clock, contest_id=contest_id, ttl_seconds=60
    )
    assert {"nhap-01", "nhap-02"} <= other_container.bank().by_id.keys()


# ---------------------------------------------------------------- templates and export


def test_the_templates_give_the_import_s_columns(api, editor):
    csv_template = api.get("/admin/questions/template.csv", headers=editor)
    assert csv_template.status_code == 200
    assert csv_template.headers["Content-Type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(csv_template.body.decode("utf-8-sig")))) == list(COLUMNS)
    xlsx_template = api.get("/admin/questions/template.xlsx", headers={**editor, "Accept": XLSX_TYPE})
    assert xlsx_template.headers["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(xlsx_template.body)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(COLUMNS)


def test_the_export_is_the_bank_in_the_import_s_columns_and_imports_back_unchanged(api, editor):
    exported = api.get("/admin/questions/export.xlsx", headers={**editor, "Accept": XLSX_TYPE})
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [*COLUMNS, "version", "state"]
    assert len(rows) == 1 + 50
    before = revision(api)
    again = upload(api, exported.body, editor, content_type=XLSX_TYPE)
    assert (again.json_body["valid"], again.json_body["added"], again.json_body["changed"]) == (True, 0, 0)
    assert revision(api) == before


# ---------------------------------------------------------------- the draw over a person's attempts


def test_a_person_s_next_attempt_avoids_the_questions_of_the_earlier_one_where_the_bank_allows(api):
    # GIVEN a person who took an attempt (the test bank: 6 questions a document, 8 local ones)
    token, first = _register_and_start(api)
    api.clock.advance(seconds=120)
    api.post(f"/attempts/{first['attempt_id']}/submit", {"answers": {}}, token)
    # WHEN they start another one
    second = api.post("/rounds/r1/attempts", {}, token).json_body
    # THEN only the slots too small for two attempts repeat: NĐ 63 and NĐ 61 (4 of 6 each twice)
    repeated = {q["id"] for q in first["questions"]} & {q["id"] for q in second["questions"]}
    assert len(second["questions"]) == 20
    assert len(repeated) == 2 + 2
    assert {question_id.rsplit("-t", 1)[0] for question_id in repeated} == {"nd-63-2010", "nd-61-2018"}


def test_an_attempt_stored_before_versions_existed_is_scored_by_version_1(api, editor):
    # GIVEN an attempt whose stored layout has no versions (as attempts made before this change)
    token, attempt = _register_and_start(api)
    answers = _perfect(api, attempt)
    participant_id = attempt["attempt_id"].split(".")[0]
    item = AttemptModel.get(participant_id, "r1#1")
    legacy = [[question_id, order] for question_id, order, _version in quiz.unpack_layout(item.shown)]
    item.update(actions=[AttemptModel.layout.set(legacy), AttemptModel.shown.remove()])
    # WHEN every question it holds is edited to another key
    for shown in attempt["questions"][:3]:
        current = api.get(f"/admin/questions/{shown['id']}", headers=editor).json_body
        key = int(current["correct_option_id"])
        options = [
            {"text": o["text"], "correct": i == (key + 1) % 4} for i, o in enumerate(current["options"])
        ]
        body = {**form(shown["id"]), "document_id": current["document_id"], "kind": current["kind"]}
        body.update(text=current["text"], source=current["source"], options=options)
        assert api.put(f"/admin/questions/{shown['id']}", body, headers=editor).json_body["version"] == 2
    # THEN it is still scored by the versions it showed, version 1
    api.clock.advance(seconds=120)
    assert (
        api.post(f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers}, token).status_code == 200
    )
    assert api.services.repository.get_attempt(participant_id, "r1", 1).correct == 20
