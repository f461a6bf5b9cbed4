"""Rosters and the participation report (issue 11), over moto."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from chalicelib.data.models import RosterModel
from chalicelib.files import XLSX_TYPE
from tests.api.conftest import ADMIN
from tests.api.people import registration
from tests.api.test_organizers import _create, _token

CSV = {"Content-Type": "text/csv"}


def _roster_csv(*rows: str) -> str:
    return "full_name,national_id,phone,department\n" + "\n".join(rows) + "\n"


def _put(api, unit, roster, text, *, name="UBND phường Mỏ Chè", dry_run=False, token=None):
    headers = {**CSV, **({"Authorization": f"Bearer {token}"} if token else ADMIN)}
    query = f"?name={name}" + ("&dry_run=1" if dry_run else "")
    return api.client.http.put(f"/admin/units/{unit}/rosters/{roster}{query}", body=text, headers=headers)


def _get(api, path, token=None):
    """A GET as the console sends it: files asked for by type, as API Gateway needs."""
    headers = {"Authorization": f"Bearer {token}"} if token else dict(ADMIN)
    if ".xlsx" in path:
        headers["Accept"] = XLSX_TYPE
    return api.client.http.get(path, headers=headers)


def _submit_one(api, token):
    attempt = api.post("/rounds/r1/attempts", {}, token).json_body
    answers = {q["id"]: q["options"][0]["id"] for q in attempt["questions"]}
    api.clock.advance(seconds=60)
    response = api.post(
        f"/attempts/{attempt['attempt_id']}/submit", {"answers": answers, "prediction": 5}, token
    )
    assert response.status_code == 200, response.body


@pytest.fixture
def unit_token(api):
    _create(api, "vanphong-moche", "unit_organizer")
    return _token(api, "vanphong-moche")


def test_a_dry_run_reports_every_bad_row_and_stores_nothing(api):
    # GIVEN a file with a bad CCCD, an unknown province, a bad phone and a CCCD twice
    text = _roster_csv(
        "Nguyễn Văn An,019085100001,0912345678,Văn phòng",
        "Trần Thị Bình,01908510000,,Tư pháp",
        "Lê Văn Cường,999085100003,,",
        "Phạm Thị Dung,019085100004,12345,",
        "Hoàng Văn Em,019085100001,,",
        ",019085100006,,",
    )
    # WHEN it is checked
    response = _put(api, "mo-che", "ubnd", text, dry_run=True)
    # THEN each bad row comes back with its column, and nothing is stored
    assert response.status_code == 200, response.body
    body = response.json_body
    assert body["valid"] is False and body["people"] == 0 and body["dry_run"] is True
    errors = {r["row"]: [(e["column"], e["message"]) for e in r["errors"]] for r in body["rows"]}
    assert errors == {
        2: [("national_id", "trùng với dòng 6")],
        3: [("national_id", "CCCD cần đúng 12 chữ số")],
        4: [("national_id", "mã tỉnh (3 chữ số đầu) không tồn tại")],
        5: [("phone", "số điện thoại không đúng định dạng")],
        6: [("national_id", "trùng với dòng 2")],
        7: [("full_name", "cần họ và tên")],
    }
    assert _get(api, "/admin/units/mo-che/rosters").json_body["rosters"] == []
    # AND without dry_run the whole file is refused with the same rows
    refused = _put(api, "mo-che", "ubnd", text)
    assert refused.status_code == 400 and refused.json_body["error"]["code"] == "IMPORT_INVALID"
    assert refused.json_body["error"]["rows"] == body["rows"]


def test_a_roster_keeps_hashes_and_last_digits_only_and_can_be_replaced_and_removed(api):
    # GIVEN a valid roster of two people (one with an .xlsx-style number-typed CCCD is CSV here)
    text = _roster_csv("Nguyễn Văn An,019085100001,0912345678,Văn phòng", "Trần Thị Bình,019185100002,,")
    assert _put(api, "mo-che", "ubnd", text, dry_run=True).json_body == {
        "valid": True,
        "people": 2,
        "rows": [],
        "dry_run": True,
    }
    stored = _put(api, "mo-che", "ubnd", text)
    assert stored.status_code == 200 and stored.json_body["people"] == 2
    # THEN no item holds a CCCD in clear
    for item in RosterModel.scan():
        assert "019085100001" not in str(item.attribute_values) and "019185100002" not in str(
            item.attribute_values
        )
    listed = _get(api, "/admin/units/mo-che/rosters").json_body["rosters"]
    assert [(r["roster_id"], r["name"], r["people"]) for r in listed] == [("ubnd", "UBND phường Mỏ Chè", 2)]
    # WHEN it is replaced by a list without Bình and with Cường
    again = _put(
        api, "mo-che", "ubnd", _roster_csv("Nguyễn Văn An,019085100001,,", "Lê Văn Cường,019085100003,,")
    )
    assert again.json_body["removed"] == 1
    report = _get(api, "/admin/units/mo-che/participation").json_body
    assert [p["full_name"] for p in report["not_taken_part"]] == ["Nguyễn Văn An", "Lê Văn Cường"]
    # AND Bình may now go on another roster, while An may not
    other = _put(
        api,
        "mo-che",
        "truong",
        _roster_csv("Trần Thị Bình,019185100002,,", "Nguyễn Văn An,019085100001,,"),
        dry_run=True,
    )
    assert other.json_body["rows"] == [
        {"row": 3, "errors": [{"column": "national_id", "message": "người này đã có trong danh sách “ubnd”"}]}
    ]
    elsewhere = _put(api, "bach-quang", "x", _roster_csv("Nguyễn Văn An,019085100001,,"), dry_run=True)
    assert (
        elsewhere.json_body["rows"][0]["errors"][0]["message"]
        == "người này đã có trong danh sách của phường, xã khác"
    )
    # WHEN it is removed, THEN it is gone with its people
    removed = api.client.http.delete("/admin/units/mo-che/rosters/ubnd", headers=ADMIN, body="{}")
    assert removed.status_code == 200 and removed.json_body == {
        "roster_id": "ubnd",
        "deleted": True,
        "people": 2,
    }
    assert RosterModel.count() == 0
    assert (
        api.client.http.delete("/admin/units/mo-che/rosters/ubnd", headers=ADMIN, body="{}").status_code
        == 404
    )
    actions = [e["action"] for e in _get(api, "/admin/audit").json_body["events"]]
    assert sorted(actions[:3]) == ["roster.delete", "roster.replace", "roster.replace"]  # same instant


def test_bad_requests_are_clear_refusals(api):
    text = _roster_csv("Nguyễn Văn An,019085100001,,")
    assert _put(api, "mo-che", "UBND!", text).json_body["error"]["code"] == "INVALID_ROSTER_ID"
    assert _put(api, "mo-che", "ubnd", text, name="").json_body["error"]["code"] == "INVALID_ROSTER_NAME"
    assert _put(api, "nowhere", "ubnd", text).status_code == 404
    no_column = _put(api, "mo-che", "ubnd", "ho_ten,cccd\nAn,019085100001\n", dry_run=True).json_body
    assert [e["column"] for e in no_column["rows"][0]["errors"]] == ["full_name", "national_id"]
    json_body = api.client.http.put(
        "/admin/units/mo-che/rosters/ubnd?name=x",
        body="{}",
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert json_body.status_code == 415
    assert _get(api, "/admin/units/mo-che/participation?round_id=r9").status_code == 404


def test_participation_counts_a_hand_built_example(api):
    # GIVEN two rosters of Mỏ Chè: the office (An, Bình, Cường) and a school (Dung)
    office = _roster_csv(
        "Nguyễn Văn An,019085200001,0912000001,Văn phòng",
        "Trần Văn Bình,019085200002,,Tư pháp",
        "Lê Văn Cường,019085200003,0912000003,Địa chính",
    )
    assert _put(api, "mo-che", "ubnd", office).status_code == 200
    assert (
        _put(
            api, "mo-che", "truong", _roster_csv("Phạm Văn Dung,019085200004,,Tổ Toán"), name="Trường THCS"
        ).status_code
        == 200
    )
    # An registers in Mỏ Chè and takes part; Bình registers in another unit and does not;
    # Dung registers and takes part; two people of Mỏ Chè are on no roster, one of them took part.
    an = api.post("/participants", registration(national_id="019085200001", unit_id="mo-che")).json_body[
        "token"
    ]
    api.post("/participants", registration(national_id="019085200002", unit_id="bach-quang"))
    dung = api.post("/participants", registration(national_id="019085200004", unit_id="mo-che")).json_body[
        "token"
    ]
    stranger = api.post(
        "/participants", registration(national_id="019085200005", unit_id="mo-che")
    ).json_body["token"]
    api.post("/participants", registration(national_id="019085200006", unit_id="mo-che"))
    for token in (an, dung, stranger):
        _submit_one(api, token)
    api.drain_stream()
    # WHEN the report of round 1 is read
    report = _get(api, "/admin/units/mo-che/participation?round_id=r1").json_body
    # THEN the counts are those of the example
    assert report["unit_id"] == "mo-che" and report["round_id"] == "r1"
    assert report["organizations"] == [
        {
            "roster_id": "truong",
            "name": "Trường THCS",
            "on_roster": 1,
            "registered": 1,
            "took_part": 1,
            "share": 100.0,
        },
        {
            "roster_id": "ubnd",
            "name": "UBND phường Mỏ Chè",
            "on_roster": 3,
            "registered": 2,
            "took_part": 1,
            "share": 33.3,
        },
    ]
    assert report["not_taken_part"] == [
        {
            "roster_id": "ubnd",
            "full_name": "Trần Văn Bình",
            "department": "Tư pháp",
            "national_id_masked": "********0002",
            "phone": "",
            "registered": True,
        },
        {
            "roster_id": "ubnd",
            "full_name": "Lê Văn Cường",
            "department": "Địa chính",
            "national_id_masked": "********0003",
            "phone": "0912000003",
            "registered": False,
        },
    ]
    assert report["unmatched_participants"] == 2
    # AND round 2 (nobody took part yet) and the whole contest
    assert [
        o["took_part"]
        for o in _get(api, "/admin/units/mo-che/participation?round_id=r2").json_body["organizations"]
    ] == [0, 0]
    assert [
        o["took_part"] for o in _get(api, "/admin/units/mo-che/participation").json_body["organizations"]
    ] == [1, 1]
    # AND the same as a sheet
    response = _get(api, "/admin/units/mo-che/participation.xlsx?round_id=r1")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(
        "application/vnd.openxml"
    )
    workbook = load_workbook(io.BytesIO(response.body))
    shares, missing = workbook.worksheets
    assert shares.freeze_panes == "A2"
    assert [[c.value for c in row] for row in shares.iter_rows()] == [
        [
            "Cơ quan, đơn vị (Phường Mỏ Chè – Tuần thứ Nhất)",
            "Số người trong danh sách",
            "Đã đăng ký",
            "Đã dự thi",
            "Tỷ lệ dự thi (%)",
        ],
        ["Trường THCS", 1, 1, 1, 100],
        ["UBND phường Mỏ Chè", 3, 2, 1, 33.3],
        ["Đăng ký nhưng không có trong danh sách nào", None, 2, None, None],
    ]
    assert [[c.value for c in row] for row in missing.iter_rows()][1:] == [
        ["UBND phường Mỏ Chè", "Trần Văn Bình", "Tư pháp", "********0002", None, "Đã đăng ký, chưa làm bài"],
        ["UBND phường Mỏ Chè", "Lê Văn Cường", "Địa chính", "********0003", "0912000003", "Chưa đăng ký"],
    ]


def test_a_unit_organizer_manages_and_reads_its_own_unit_only(api, unit_token):
    text = _roster_csv("Nguyễn Văn An,019085100001,,")
    assert _put(api, "mo-che", "ubnd", text, token=unit_token).status_code == 200
    assert _get(api, "/admin/units/mo-che/participation", unit_token).status_code == 200
    for refused in (
        _put(api, "bach-quang", "ubnd", text, token=unit_token),
        _get(api, "/admin/units/bach-quang/rosters", unit_token),
        _get(api, "/admin/units/bach-quang/participation", unit_token),
        _get(api, "/admin/units/bach-quang/participation.xlsx", unit_token),
        api.client.http.delete(
            "/admin/units/bach-quang/rosters/ubnd",
            headers={"Authorization": f"Bearer {unit_token}"},
            body="{}",
        ),
    ):
        assert refused.status_code == 403 and refused.json_body["error"]["code"] == "FORBIDDEN"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b),
    kind=st.sampled_from(["text/csv", XLSX_TYPE, "application/octet-stream"]),
    dry_run=st.booleans(),
)
def test_no_roster_file_gets_a_server_error(api, body, kind, dry_run):
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    query = "?name=x" + ("&dry_run=1" if dry_run else "")
    response = api.client.http.put(
        f"/admin/units/mo-che/rosters/ubnd{query}", body=raw, headers={**ADMIN, "Content-Type": kind}
    )
    assert response.status_code < 500, (raw, response.body)
    if response.status_code >= 400:
        assert response.json_body["error"]["code"]
