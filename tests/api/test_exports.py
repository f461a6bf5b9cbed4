"""Excel exports (issue 11): every file opened with openpyxl and read cell by cell, the role
checks (a unit organizer gets its own unit's rows and no full CCCD), the audit, and the path
of a file too large for one response (built in the background, fetched with a link)."""

from __future__ import annotations

import io
import time
from datetime import datetime

import boto3
import pytest
from openpyxl import load_workbook

from chalicelib.exports import service as export_service
from chalicelib.files import XLSX_TYPE
from tests.api.conftest import ADMIN
from tests.api.test_organizers import _create, _token
from tests.api.test_participation import _put, _roster_csv
from tests.api.test_round_lifecycle import CLOSES, _fire, _play_round


def _get(api, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else dict(ADMIN)
    headers["Accept"] = XLSX_TYPE
    return api.client.http.get(path, headers=headers)


def _cells(response) -> list[list]:
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.body)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > 0
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def ranked(api):
    """Round 1 played (an, binh, chi of Bách Quang and Cải Đan, dung excluded, em of Phố Cò)
    and ranked."""
    people = _play_round(api)
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    assert api.get("/contest").json_body["rounds"][0]["status"] == "ranked"
    return people


@pytest.fixture
def unit_token(api):
    _create(api, "vanphong-bachquang", "unit_organizer", unit_id="bach-quang")
    return _token(api, "vanphong-bachquang")


RANKING_HEADER = [
    "Hạng",
    "Giải",
    "Tiền thưởng (đồng)",
    "Họ và tên",
    "Phường, xã",
    "Nơi công tác",
    "Điện thoại",
    "Số CCCD",
    "Số câu đúng",
    "Số câu",
    "Dự đoán",
    "Sai số dự đoán",
    "Thời gian làm bài (giây)",
    "Nộp bài lúc",
    "Ghi chú",
]


def test_the_ranking_gives_the_committee_everything_and_a_ward_its_own_people_masked(api, ranked, unit_token):
    people = {label: body for label, (body, _, _) in ranked.items()}
    # WHEN the committee exports round 1's ranking
    rows = _cells(_get(api, "/admin/rounds/r1/exports/ranking.xlsx"))
    # THEN every person's best attempt is there in order, with full CCCD, phone and workplace
    assert rows[0] == RANKING_HEADER
    assert [r[:4] for r in rows[1:]] == [
        [1, None, None, "Người dung"],
        [2, "Giải Nhất", 1000000, "Người an"],
        [3, "Giải Nhì", 800000, "Người chi"],
        [4, "Giải Ba", 500000, "Người binh"],
        [5, "Giải Khuyến khích", 300000, "Người em"],
    ]
    an = rows[2]
    assert an[4:12] == [
        "Phường Bách Quang",
        "UBND phường Bách Quang",
        "0912345678",
        people["an"]["national_id"],
        20,
        20,
        7,
        1,
    ]
    assert an[12] == 100.0 and isinstance(an[13], datetime) and an[14] is None
    assert rows[1][14] == "Không được xét giải"
    # WHEN a ward's organizer exports it, THEN only its own people, CCCD masked
    ward = _cells(_get(api, "/admin/rounds/r1/exports/ranking.xlsx", unit_token))
    assert [r[3] for r in ward[1:]] == ["Người an", "Người binh"]
    assert ward[1][7] == "********" + people["an"]["national_id"][-4:]
    assert all(people[p]["national_id"] not in str(ward) for p in people)
    # AND both exports are audited with who made them
    events = api.get("/admin/audit", headers=ADMIN).json_body["events"]
    exports = [(e["actor"], e["action"], e["target"]) for e in events if e["action"].startswith("export.")]
    assert sorted(exports) == [
        ("operator", "export.ranking", "r1"),
        ("vanphong-bachquang", "export.ranking", "r1"),
    ]


def test_the_collective_ranking_shows_its_criteria_in_order(api, ranked, unit_token):
    rows = _cells(_get(api, "/admin/rounds/r1/exports/collective.xlsx"))
    assert rows[0] == [
        "Hạng",
        "Phường, xã",
        "Giải",
        "Tiền thưởng (đồng)",
        "Tiêu chí 1: Lượt dự thi",
        "Tiêu chí 2: Điểm bình quân",
        "Tiêu chí 3: Giải cá nhân đạt được",
        "Lượt dự thi",
        "Số người dự thi",
        "Điểm bình quân",
        "Giải cá nhân",
    ]
    assert rows[1] == [1, "Phường Bách Quang", "Giải Nhất", 2000000, 2, 20, 2, 2, 2, 20, 2]
    assert rows[2][:2] == [2, "Phường Cải Đan"] and rows[2][4:7] == [2, 20, 1]
    assert len(rows) == 1 + 11  # every unit of the contest
    ward = _cells(_get(api, "/admin/rounds/r1/exports/collective.xlsx", unit_token))
    assert [r[1] for r in ward[1:]] == ["Phường Bách Quang"]


def test_per_unit_statistics(api, ranked, unit_token):
    rows = _cells(_get(api, "/admin/rounds/r1/exports/units.xlsx"))
    assert rows[0] == [
        "Phường, xã",
        "Lượt dự thi",
        "Số người dự thi",
        "Điểm cao nhất bình quân",
        "Số người dự thi cả cuộc thi",
    ]
    by_unit = {r[0]: r[1:] for r in rows[1:]}
    assert by_unit["Phường Bách Quang"] == [2, 2, 20, 2]
    assert by_unit["Phường Cải Đan"] == [2, 1, 20, 1]
    assert by_unit["Phường Phố Cò"] == [1, 1, 5, 1]
    assert by_unit["Phường Thắng Lợi"] == [0, 0, None, 0]
    assert len(rows) == 12
    assert [r[0] for r in _cells(_get(api, "/admin/rounds/r1/exports/units.xlsx", unit_token))[1:]] == [
        "Phường Bách Quang"
    ]


def test_participants_of_a_unit(api, ranked, unit_token):
    people = {label: body for label, (body, _, _) in ranked.items()}
    rows = _cells(_get(api, "/admin/units/bach-quang/participants.xlsx"))
    assert rows[0] == [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số CCCD",
        "Điện thoại",
        "Nơi công tác",
        "Phường, xã",
        "Đăng ký lúc",
    ]
    assert [r[:7] for r in rows[1:]] == [
        [
            1,
            "Người an",
            "1985-05-10",
            "Nam",
            people["an"]["national_id"],
            "0912345678",
            "UBND phường Bách Quang",
        ],
        [
            2,
            "Người binh",
            "1985-05-10",
            "Nam",
            people["binh"]["national_id"],
            "0912345678",
            "UBND phường Bách Quang",
        ],
    ]
    assert rows[1][8] == datetime(2021, 12, 15, 10, 0)  # registered at the test clock, Vietnam time
    ward = _cells(_get(api, "/admin/units/bach-quang/participants.xlsx", unit_token))
    assert [r[4] for r in ward[1:]] == ["********" + people[p]["national_id"][-4:] for p in ("an", "binh")]


def test_the_audit_log(api, ranked):
    _put(api, "mo-che", "ubnd", _roster_csv("Nguyễn Văn An,019085300001,,"))
    rows = _cells(_get(api, "/admin/audit.xlsx"))
    assert rows[0] == ["Thời điểm", "Người thực hiện", "Vai trò", "Thao tác", "Đối tượng", "Chi tiết"]
    newest = rows[1]
    assert newest[1:5] == ["operator", "admin", "roster.replace", "mo-che/ubnd"]
    assert newest[5] == '{"name": "UBND phường Mỏ Chè", "people": 1, "removed": 0}'
    assert isinstance(newest[0], datetime)
    assert "exclusions.set" in [r[3] for r in rows[1:]]


def test_a_unit_organizer_cannot_export_another_units_data_or_the_audit(api, ranked, unit_token):
    for path in (
        "/admin/units/mo-che/participants.xlsx",
        "/admin/units/mo-che/participation.xlsx",
        "/admin/audit.xlsx",
    ):
        refused = _get(api, path, unit_token)
        assert refused.status_code == 403 and refused.json_body["error"]["code"] == "FORBIDDEN", path
    _create(api, "lanhdao", "viewer")
    viewer = _token(api, "lanhdao")
    assert _get(api, "/admin/rounds/r1/exports/ranking.xlsx", viewer).status_code == 403


def test_exports_of_a_round_not_ranked_or_unknown_are_clear_refusals(api):
    assert _get(api, "/admin/rounds/r1/exports/ranking.xlsx").json_body["error"]["code"] == "ROUND_NOT_RANKED"
    assert _get(api, "/admin/rounds/r9/exports/units.xlsx").status_code == 404
    assert _get(api, "/admin/units/nowhere/participants.xlsx").status_code == 404
    assert api.get("/admin/exports/not-an-id", headers=ADMIN).status_code == 404


def test_a_file_too_large_for_one_response_is_built_in_the_background(
    api, ranked, unit_token, monkeypatch, tmp_path
):
    # GIVEN a threshold that this round's 6 attempts exceed
    monkeypatch.setattr(export_service, "INLINE_ROWS", 3)
    api.with_settings(export_dir=str(tmp_path))
    # WHEN the committee asks for the ranking
    started = _get(api, "/admin/rounds/r1/exports/ranking.xlsx")
    # THEN it is accepted and built apart, then fetched with a short-lived link
    assert started.status_code == 202, started.body
    export_id = started.json_body["export_id"]
    status = started.json_body
    for _ in range(100):
        status = api.get(f"/admin/exports/{export_id}", headers=ADMIN).json_body
        if status["status"] != "pending":
            break
        time.sleep(0.05)
    assert status["status"] == "ready", status
    assert status["url"].startswith("exports/")
    link = "/" + status["url"]
    fetched = api.client.http.get(link, headers={"Accept": XLSX_TYPE})
    rows = _cells(fetched)
    assert [r[3] for r in rows[1:]] == ["Người dung", "Người an", "Người chi", "Người binh", "Người em"]
    # AND nobody else sees that export, and a changed or expired link gives nothing
    assert api.get(f"/admin/exports/{export_id}", unit_token).json_body["status"] == "pending"
    assert api.client.http.get(link.replace("signature=", "signature=0")).status_code == 404
    api.clock.advance(seconds=301)
    assert api.client.http.get(link).status_code == 404


def test_in_aws_the_builder_function_writes_to_the_private_bucket_and_the_link_is_presigned(
    api, ranked, monkeypatch
):
    # GIVEN the stage's private bucket, and the API's start of the builder caught here
    boto3.client("s3", region_name="ap-southeast-1").create_bucket(
        Bucket="songcong-test-exports-123456789012",
        CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"},
    )
    api.with_settings(
        export_bucket="songcong-test-exports-123456789012",
        export_function="songcong-contest-test-build-export",
    )
    started = []
    monkeypatch.setattr(export_service, "INLINE_ROWS", 3)
    monkeypatch.setattr(
        export_service.ExportService, "_start_background", lambda self, event: started.append(event)
    )
    # WHEN the committee asks for the ranking, THEN the builder is started with the request
    answer = _get(api, "/admin/rounds/r1/exports/ranking.xlsx")
    assert answer.status_code == 202 and answer.json_body["status"] == "pending"
    assert started[0]["spec"] == {
        "kind": "ranking",
        "username": "operator",
        "role": "admin",
        "actor_unit_id": None,
        "round_id": "r1",
        "unit_id": None,
    }
    # WHEN the build-export function runs it
    api.client.lambda_.invoke("build-export", started[0])
    # THEN the file is in the bucket and the status gives a presigned link to it
    status = api.get(f"/admin/exports/{answer.json_body['export_id']}", headers=ADMIN).json_body
    assert status["status"] == "ready"
    assert status["url"].startswith("https://songcong-test-exports-123456789012.s3.")
    assert "X-Amz-Expires=300" in status["url"] and "response-content-disposition" in status["url"]
    objects = boto3.client("s3", region_name="ap-southeast-1").list_objects_v2(
        Bucket="songcong-test-exports-123456789012"
    )["Contents"]
    stored = next(o["Key"] for o in objects if not o["Key"].endswith(".meta"))
    body = boto3.client("s3", region_name="ap-southeast-1").get_object(
        Bucket="songcong-test-exports-123456789012", Key=stored
    )
    assert body["ContentType"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(body["Body"].read())).worksheets[0]
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)][:2] == ["Người dung", "Người an"]


def test_a_background_build_that_fails_says_so(api, ranked, monkeypatch, tmp_path):
    api.with_settings(export_dir=str(tmp_path))
    started = []
    monkeypatch.setattr(export_service, "INLINE_ROWS", 3)
    monkeypatch.setattr(
        export_service.ExportService, "_start_background", lambda self, event: started.append(event)
    )
    answer = _get(api, "/admin/rounds/r1/exports/ranking.xlsx")

    def broken(self, spec):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr(export_service.ExportService, "build", broken)
    with pytest.raises(RuntimeError):  # the function errs: its alarm, and Lambda retries it
        api.client.lambda_.invoke("build-export", started[0])
    status = api.get(f"/admin/exports/{answer.json_body['export_id']}", headers=ADMIN).json_body
    assert status == {"export_id": answer.json_body["export_id"], "status": "failed"}
