"""Item statistics of a closed round over the API (question bank, item 5): refused while the
round is open, then computed once from the submitted attempts against the versions shown."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from chalicelib.data import item_statistics as store
from tests.api.conftest import ADMIN
from tests.api.test_round_lifecycle import CLOSES, _fire, _join, _submit

PATH = "/admin/rounds/r1/item-statistics"


def test_statistics_wait_for_the_close_then_count_every_submitted_attempt(api):
    # GIVEN three people: two answer everything right, one gets 5 of 20 right
    people = [_join(api, full_name=f"Người {i}") for i in range(3)]
    _submit(api, people[0][1], people[0][2], 20, 5, after_seconds=100)
    _submit(api, people[1][1], people[1][2], 20, 6, after_seconds=100)
    _submit(api, people[2][1], people[2][2], 5, 7, after_seconds=100)
    # WHEN a question writer asks while the round is open THEN it must wait
    early = api.get(PATH, headers=ADMIN)
    assert early.status_code == 409 and early.json_body["error"]["code"] == "ROUND_STILL_OPEN"
    # WHEN the round has closed
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    # THEN the schedule has already kept the report (a round of 100,000 attempts takes longer
    # than an API request may), and the console reads it
    kept = store.get_report(api.services.settings.contest_id, "r1")
    assert kept is not None and kept["attempts"] == 3
    report = api.get(PATH, headers=ADMIN).json_body
    assert report["computed_at"] == kept["computed_at"]
    # THEN every submitted attempt counts, each drawn question once per attempt that showed it
    assert report["attempts"] == 3
    drawn = {item["question_id"]: item["drawn"] for item in report["items"]}
    shown = [q["id"] for _, _, attempt in people for q in attempt["questions"]]
    assert drawn == {q: shown.count(q) for q in set(shown)}
    for item in report["items"]:
        right = next(o["chosen"] for o in item["options"] if o["correct"])
        assert item["facility"] == round(right / item["drawn"], 4)
        assert sum(o["chosen"] for o in item["options"]) + item["unanswered"] == item["drawn"]
        assert item["text"] and len(item["options"]) == 4
    # AND the third person's 5 right answers were the first 5 of the attempt
    third = [q["id"] for q in people[2][2]["questions"]]
    alone = [q for q in third[5:] if shown.count(q) == 1]
    for item in report["items"]:
        if item["question_id"] in alone:
            assert item["facility"] == 0.0
    # AND the report is kept: asked again, it is the same computation
    again = api.get(PATH, headers=ADMIN).json_body
    assert again["computed_at"] == report["computed_at"]


def test_the_excel_export_has_one_row_per_question_version(api):
    person = _join(api)
    _submit(api, person[1], person[2], 10, 5, after_seconds=100)
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    response = api.client.http.get(
        PATH + ".xlsx",
        headers={**ADMIN, "Accept": "text/html,application/xhtml+xml,*/*"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Mã câu", "Phiên bản", "Văn bản", "Nội dung câu hỏi", "Số lần ra đề", "Tỉ lệ đúng")
    assert len(rows) == 1 + 20 and sheet.freeze_panes == "A2"
    assert sorted(r[0] for r in rows[1:]) == sorted(q["id"] for q in person[2]["questions"])
    assert {r[4] for r in rows[1:]} == {1}


def test_an_unknown_round_is_404(api):
    response = api.get("/admin/rounds/r99/item-statistics", headers=ADMIN)
    assert response.status_code == 404 and response.json_body["error"]["code"] == "ROUND_NOT_FOUND"
