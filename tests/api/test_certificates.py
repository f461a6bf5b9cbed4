"""Prize certificates and sharing (issue 11, items 4 and 5), over moto: the certificates of a
published round, their PDFs read back with pypdf, the public verification of a genuine, a
changed and an unknown code, the QR codes decoded with zbar, and the share card's tags."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from chalicelib.domain.timing import parse_iso
from tests.api.conftest import ADMIN
from tests.api.test_round_lifecycle import CLOSES, PUBLISH, _fire, _join

# Name, unit, prediction: with 3 attempts in the round, the closest prediction wins.
WINNERS = [
    ("Nguyễn Thị Ánh Tuyết", "bach-quang", 3),
    ("Trần Văn Đức", "cai-dan", 4),
    ("Lê Hồng Phúc", "pho-co", 5),
]
ROUND2_OPEN = parse_iso("2021-12-20T09:00:00+07:00")
ROUND2_CLOSES = parse_iso("2021-12-26T16:30:31+07:00")
ROUND2_PUBLISH = parse_iso("2021-12-27T08:00:00+07:00")
# A binary reply needs a matching Accept header (as API Gateway asks); the console's fetch sends */*.
PDF = {**ADMIN, "Accept": "application/pdf"}
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
needs_zbar = pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
    reason="zbarimg (zbar-tools) and pdftoppm (poppler-utils) decode the QR codes: make system-deps",
)


def _submit(api, token, attempt, prediction) -> None:
    """Submit without answers: the ranking then goes by the prediction's error."""
    api.clock.advance(seconds=100)
    body = {"answers": {}, "prediction": prediction}
    response = api.post(f"/attempts/{attempt['attempt_id']}/submit", body, token)
    assert response.status_code == 200, response.body


def _publish_round_1(api) -> dict:
    """Three people win round 1's first three prizes; the round closes, ranks, publishes."""
    tokens = {}
    for name, unit, prediction in WINNERS:
        _, token, attempt = _join(api, full_name=name, unit_id=unit)
        _submit(api, token, attempt, prediction)
        tokens[name] = token
    api.clock.set(CLOSES + 31_000)
    _fire(api, "close-and-rank-rounds")
    api.clock.set(PUBLISH)
    _fire(api, "publish-results")
    return tokens


def _publish_round_2(api, token) -> None:
    api.clock.set(ROUND2_OPEN)
    attempt = api.post("/rounds/r2/attempts", {}, token).json_body
    _submit(api, token, attempt, 1)
    api.clock.set(ROUND2_CLOSES)
    _fire(api, "close-and-rank-rounds")
    api.clock.set(ROUND2_PUBLISH)
    _fire(api, "publish-results")


def _listing(api, round_id="r1"):
    response = api.get(f"/admin/rounds/{round_id}/certificates", headers=ADMIN)
    assert response.status_code == 200, response.body
    return response.json_body


def _pdf_text(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def _changed(code: str) -> str:
    """The same code with its last character replaced: what a forger would print."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


ADMIN_ROUTES = [
    "/admin/rounds/r1/certificates",
    "/admin/rounds/r1/certificates.pdf",
    "/admin/rounds/r1/certificates/ABCD-EFGH-JKMN.pdf",
]


@pytest.mark.parametrize("path", ADMIN_ROUTES)
def test_the_certificate_routes_refuse_without_a_session_and_to_roles_other_than_admin(api, path):
    _publish_round_1(api)
    # GIVEN no token, a wrong one, and organizers of every role but admin
    assert api.get(path, headers={"Accept": "application/pdf"}).json_body["error"]["code"] == "UNAUTHORIZED"
    wrong = api.get(path, headers={"Authorization": "Bearer wrong", "Accept": "application/pdf"})
    assert wrong.status_code == 401
    for role, unit in (("unit_organizer", "bach-quang"), ("editor", None), ("viewer", None)):
        username = role.replace("_", "-")
        account = {
            "username": username,
            "full_name": "Người thử",
            "role": role,
            "password": "mat-khau-du-dai-1",
        }
        if unit:
            account["unit_id"] = unit
        assert api.post("/admin/organizers", account, headers=ADMIN).status_code == 201
        token = api.post(
            "/admin/sessions", {"username": username, "password": "mat-khau-du-dai-1"}
        ).json_body["token"]
        # WHEN they ask for the certificates THEN they are refused (a unit's own winners too)
        refused = api.get(path, headers={"Authorization": f"Bearer {token}", "Accept": "application/pdf"})
        assert refused.status_code == 403, (role, refused.body)
        assert refused.json_body["error"]["code"] == "FORBIDDEN"


def test_a_round_has_no_certificates_before_its_results_are_published(api):
    response = api.get("/admin/rounds/r1/certificates", headers=ADMIN)
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "RESULTS_NOT_PUBLISHED"
    assert (
        api.get("/admin/rounds/r9/certificates", headers=ADMIN).json_body["error"]["code"]
        == "ROUND_NOT_FOUND"
    )


def test_a_published_round_lists_one_certificate_per_winner_with_the_registered_full_name(api):
    # GIVEN round 1 published with three winners
    _publish_round_1(api)
    results = api.get("/rounds/r1/results").json_body
    # WHEN the committee lists its certificates
    listing = _listing(api)
    # THEN each winner has one, in prize order, stating the name and unit registered
    assert [(c["name"], c["unit_id"], c["prize"], c["kind"]) for c in listing] == [
        ("Nguyễn Thị Ánh Tuyết", "bach-quang", "first", "individual"),
        ("Trần Văn Đức", "cai-dan", "second", "individual"),
        ("Lê Hồng Phúc", "pho-co", "third", "individual"),
    ]
    assert all(CODE.match(c["code"]) for c in listing)
    assert len({c["code"] for c in listing}) == 3
    assert {c["sha256"] for c in listing} == {results["sha256"]}
    # AND the codes are the same on every reading (derived, not drawn at random)
    api.services.catalog.forget()
    assert [c["code"] for c in _listing(api)] == [c["code"] for c in listing]


def test_the_round_pdf_has_one_page_per_winner_with_the_vietnamese_text_intact(api):
    _publish_round_1(api)
    listing = _listing(api)
    response = api.get("/admin/rounds/r1/certificates.pdf", headers=PDF)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "giay-chung-nhan-r1.pdf" in response.headers["Content-Disposition"]
    pages = _pdf_text(response.body)
    assert len(pages) == 3
    for text, certificate in zip(pages, listing, strict=True):
        for expected in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ỦY BAN NHÂN DÂN THÀNH PHỐ SÔNG CÔNG",
            "GIẤY CHỨNG NHẬN",
            certificate["name"],
            f"Đơn vị: {certificate['unit']}",
            f"Đã đạt {certificate['prize_name']} cá nhân – Tuần thứ Nhất",
            "Sông Công, ngày 20 tháng 12 năm 2021",
            "TM. BAN TỔ CHỨC",
            "TRƯỞNG BAN",
            f"Mã xác minh: {certificate['code']}",
        ):
            assert expected in text, (expected, text)
    assert "Nguyễn Thị Ánh Tuyết" in pages[0] and "Giải Nhất" in pages[0]
    # AND printing is audited
    audit = api.get("/admin/audit", headers=ADMIN).json_body
    assert any(e["action"] == "certificates.print" and e["target"] == "r1" for e in audit["events"])


def test_one_winner_pdf_holds_that_certificate_only(api):
    _publish_round_1(api)
    second = _listing(api)[1]
    response = api.get(f"/admin/rounds/r1/certificates/{second['code']}.pdf", headers=PDF)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    (text,) = _pdf_text(response.body)
    assert "Trần Văn Đức" in text and "Giải Nhì" in text and "Nguyễn Thị Ánh Tuyết" not in text
    for wrong in (f"{_changed(second['code'])}.pdf", f"{second['code']}.txt", second["code"]):
        refused = api.get(f"/admin/rounds/r1/certificates/{wrong}", headers=PDF)
        assert refused.status_code == 404 and refused.json_body["error"]["code"] == "CERTIFICATE_NOT_FOUND"


def test_the_public_lookup_confirms_a_genuine_code_and_refuses_a_changed_or_unknown_one(api):
    _publish_round_1(api)
    first = _listing(api)[0]
    # A genuine code, also typed in lower case, without dashes, with O for 0
    for typed in (first["code"], first["code"].lower(), first["code"].replace("-", "")):
        found = api.get(f"/certificates/{typed}")
        assert found.status_code == 200, typed
        assert found.json_body == {
            "code": first["code"],
            "kind": "individual",
            "name": "Nguyễn Thị Ánh Tuyết",
            "unit": "Phường Bách Quang",
            "unit_id": "bach-quang",
            "prize": "first",
            "prize_name": "Giải Nhất",
            "round_id": "r1",
            "round_name": "Tuần thứ Nhất",
            "published_at": "2021-12-20T08:00:00+07:00",
            "sha256": api.get("/rounds/r1/results").json_body["sha256"],
        }
    for wrong in (_changed(first["code"]), "ZZZZ-ZZZZ-ZZZZ", "abc", "%F0%9F%98%80" * 3):
        refused = api.get(f"/certificates/{wrong}")
        assert refused.status_code == 404, wrong
        assert refused.json_body["error"]["code"] == "CERTIFICATE_NOT_FOUND"


def test_the_verify_page_shows_what_a_genuine_certificate_states_and_says_so_of_a_changed_code(api):
    _publish_round_1(api)
    first = _listing(api)[0]
    # WHEN the QR code of a genuine certificate is opened
    genuine = api.get(f"/verify/{first['code']}")
    # THEN the page, under the site's CSP, says it is genuine and what it states
    assert genuine.status_code == 200
    assert genuine.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in genuine.headers["Content-Security-Policy"]
    page = genuine.body.decode()
    for expected in (
        "Giấy chứng nhận hợp lệ",
        "Nguyễn Thị Ánh Tuyết",
        "Phường Bách Quang",
        "Giải Nhất cá nhân",
        "Tuần thứ Nhất",
        first["code"],
        first["sha256"],
        'lang="vi"',
    ):
        assert expected in page, expected
    assert "<script" not in page
    # AND a changed code and an unknown one are reported as not found (404), naming no one
    for wrong in (_changed(first["code"]), "ZZZZ-ZZZZ-ZZZZ", "<b>x<i>"):
        refused = api.get(f"/verify/{quote(wrong, safe='')}")
        assert refused.status_code == 404
        text = refused.body.decode()
        assert "Không tìm thấy giấy chứng nhận" in text and "Nguyễn Thị Ánh Tuyết" not in text
        assert "<b>" not in text


def test_after_the_last_round_each_winning_unit_gets_a_giay_khen(api):
    # GIVEN round 1 published: no commendation yet (the collective ranking is provisional)
    tokens = _publish_round_1(api)
    assert {c["kind"] for c in _listing(api)} == {"individual"}
    # WHEN the last round is published
    _publish_round_2(api, tokens["Trần Văn Đức"])
    listing = _listing(api, "r2")
    # THEN its certificates hold the round's winner and a Giấy khen per unit with a prize
    collective = [c for c in listing if c["kind"] == "collective"]
    assert [c["unit_id"] for c in collective] == ["cai-dan", "bach-quang", "pho-co"]
    assert [c["prize"] for c in collective] == ["first", "second", "third"]
    assert collective[0]["name"] == "Phường Cải Đan"
    response = api.get(f"/admin/rounds/r2/certificates/{collective[0]['code']}.pdf", headers=PDF)
    (text,) = _pdf_text(response.body)
    assert "GIẤY KHEN" in text and "Phường Cải Đan" in text and "Giải Nhất tập thể toàn cuộc thi" in text
    verified = api.get(f"/certificates/{collective[0]['code']}").json_body
    assert (verified["kind"], verified["name"], verified["round_id"]) == (
        "collective",
        "Phường Cải Đan",
        "r2",
    )


def _decode_pdf_qr(body: bytes, tmp_path) -> str:
    source = tmp_path / "page.pdf"
    source.write_bytes(body)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
    )
    (picture,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(picture)], capture_output=True, text=True, check=True
    )
    return decoded.stdout.strip()


@needs_zbar
def test_a_certificates_qr_code_opens_its_verify_page(api, tmp_path):
    _publish_round_1(api)
    first = _listing(api)[0]
    body = api.get(f"/admin/rounds/r1/certificates/{first['code']}.pdf", headers=PDF).body
    url = _decode_pdf_qr(body, tmp_path)
    assert url.endswith(f"/verify/{first['code']}"), url
    assert api.get(url[url.index("/verify/") :]).status_code == 200


@needs_zbar
def test_the_poster_is_a_public_a4_pdf_whose_qr_code_opens_the_contest_page(api, tmp_path):
    response = api.get("/poster.pdf", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in (
        "Tìm hiểu công tác cải cách hành chính",
        "Tuần thứ Nhất: từ 08:30 ngày 13/12/2021",
        "đến 16:30 ngày 19/12/2021",
        "Quét mã QR",
    ):
        assert expected in text, expected
    url = _decode_pdf_qr(response.body, tmp_path)
    assert url.startswith("http") and url.endswith("/") and url in text


def test_the_page_carries_a_share_card_with_absolute_addresses_and_a_png_picture(api):
    page = api.get("/", headers={"Host": "thi.example.vn", "X-Forwarded-Proto": "https"}).body.decode()
    tags = dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)"', page))
    assert tags["og:title"].startswith("Cuộc thi trực tuyến “Tìm hiểu công tác cải cách hành chính”")
    assert tags["og:description"] and tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == "https://thi.example.vn/"
    assert tags["og:image"] == tags["twitter:image"] == "https://thi.example.vn/share.png"
    picture = api.get("/share.png", headers={"Accept": "image/png"})
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/png"
    from PIL import Image

    assert Image.open(io.BytesIO(picture.body)).size == (1200, 630)


def test_a_configured_public_address_wins_over_the_request(api):
    api.with_settings(public_base_url="https://thi.songcong.gov.vn")
    page = api.get("/").body.decode()
    assert '<meta property="og:url" content="https://thi.songcong.gov.vn/">' in page
    svg = api.get("/qr.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.body.decode().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
