"""An admin downloads a round's certificates (issue 11) in the console on a phone, and the QR
code's page says the certificate is genuine. The round is closed and published here, so the
module runs a stack of its own (name "certificates")."""

from __future__ import annotations

import io
import os
import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.support import (
    CONSOLE_ADMIN,
    Stack,
    console_go,
    console_sign_in,
    ensure_organizer,
    missing,
    new_person,
    register,
    run_axe,
    screenshot,
    submit_attempt,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
WINNER = "Đặng Thị Ngọc Ánh"


@pytest.fixture(scope="module")
def published_stack():
    """A stack of this module's own whose round 1 has one winner and is published."""
    if os.environ.get("E2E_BASE_URL") or os.environ.get("E2E_CONSOLE_BASE_URL"):
        pytest.skip("publishes round 1: runs on a stack of its own only")
    if not shutil.which("java"):
        missing("java for DynamoDB Local (make system-deps)")
    from tests.stack import running_stack

    with running_stack(name="certificates") as local:
        stack = Stack(local.base_url + "/", admin_token=local.admin_token, log_path=local.log_path)
        stack.open_round("r1")
        ensure_organizer(stack, *CONSOLE_ADMIN, role="admin", full_name="Ban Tổ chức (thử nghiệm)")
        token = register(stack, new_person(WINNER))
        submit_attempt(stack, token, "r1", answered=1, paced=True)
        stack.move_round(
            "r1", opens=timedelta(hours=-2), closes=timedelta(minutes=-2), publish=timedelta(hours=1)
        )
        stack.close_round("r1")
        stack.admin("POST", "admin/rounds/r1/publish")
        yield stack


@pytest.fixture
def tab(browser, published_stack):
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None,
    )
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


def _pdf_text(path: str) -> list[str]:
    with open(path, "rb") as handle:
        return [page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages]


def test_an_admin_downloads_a_rounds_certificates_and_the_qr_page_confirms_one(published_stack, tab):
    # GIVEN an admin signed in on a phone, under the console's CSP
    console_sign_in(tab, published_stack, *CONSOLE_ADMIN)
    # WHEN they open "Giấy chứng nhận" (the latest published round is chosen)
    console_go(tab, "Giấy chứng nhận")
    expect(tab.get_by_role("heading", name="Giấy chứng nhận", level=1)).to_be_visible()
    row = tab.get_by_role("row").filter(has_text=WINNER)
    expect(row).to_contain_text("Giải Nhất")
    screenshot(tab, "console-certificates")
    # AND download the whole round to print
    with tab.expect_download() as round_file:
        tab.get_by_role("button", name="Tải cả tuần để in (PDF)").click()
    assert round_file.value.suggested_filename == "giay-chung-nhan-r1.pdf"
    pages = _pdf_text(round_file.value.path())
    # THEN the file holds the winner's certificate, Vietnamese text intact
    assert len(pages) == 1 and WINNER in pages[0] and "GIẤY CHỨNG NHẬN" in pages[0]
    expect(tab.get_by_role("status").filter(has_text="Đã tải giay-chung-nhan-r1.pdf")).to_be_visible()
    # AND the winner's own file too
    code = row.locator("code").inner_text()
    with tab.expect_download() as one_file:
        row.get_by_role("button", name="Tải PDF").click()
    assert one_file.value.suggested_filename == f"giay-chung-nhan-r1-{code}.pdf"
    assert f"Mã xác minh: {code}" in _pdf_text(one_file.value.path())[0]
    # AND the verification page its QR code opens says it is genuine, on a phone
    tab.goto(published_stack.base_url + f"verify/{code}")
    expect(tab.get_by_role("heading", name="Giấy chứng nhận hợp lệ")).to_be_visible()
    expect(tab.locator(".verify-facts")).to_contain_text(WINNER)
    screenshot(tab, "verify-genuine")
    tab.goto(published_stack.base_url + "verify/ABCD-EFGH-JKMN")
    expect(tab.get_by_role("heading", name="Không tìm thấy giấy chứng nhận")).to_be_visible()
    screenshot(tab, "verify-unknown")


def test_the_verify_page_has_no_serious_accessibility_finding(browser, published_stack):
    context = browser.new_context(viewport=PHONE, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    status, listing = published_stack.call(
        "GET", "admin/rounds/r1/certificates", token=published_stack.admin_token
    )
    assert status == 200, listing
    page.goto(published_stack.base_url + f"verify/{listing[0]['code']}")
    found = run_axe(page)
    context.close()
    assert not found, found


def test_the_participant_page_downloads_the_poster_whose_qr_code_is_the_page(published_stack, tab):
    # GIVEN the participant page on a phone WHEN the poster link is followed
    tab.goto(published_stack.base_url)
    with tab.expect_download() as poster:
        tab.get_by_role("link", name="Tải áp phích để in và dán bảng tin (PDF, khổ A4)").click()
    # THEN an A4 PDF arrives that names the contest and gives the page's address
    assert poster.value.suggested_filename == "ap-phich-cuoc-thi.pdf"
    text = " ".join(_pdf_text(poster.value.path())[0].split())
    assert "Tìm hiểu công tác cải cách hành chính" in text and published_stack.base_url in text


def test_the_item_statistics_of_the_closed_round_on_a_phone(browser, published_stack):
    # (question bank, item 5: the same closed round, so the same stack)
    # GIVEN the admin signed in on a phone (CSP bypassed so that axe-core can be injected)
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    console_sign_in(tab, published_stack, *CONSOLE_ADMIN)
    # WHEN they open the item statistics
    console_go(tab, "Thống kê câu hỏi")
    # THEN the closed round's report: one attempt, its 20 questions, each drawn once
    expect(tab.get_by_role("heading", name="Thống kê câu hỏi", exact=True)).to_be_visible()
    expect(tab.get_by_text("1 lượt thi đã nộp, 20 câu hỏi đã ra")).to_be_visible()
    rows = tab.get_by_role("table", name="Thống kê từng câu").locator("tbody tr")
    expect(rows).to_have_count(20)
    expect(tab.get_by_role("heading", name="Câu cần xem lại trước (0)")).to_be_visible()  # under 20 draws
    assert not run_axe(tab), "axe-core on the item statistics"
    screenshot(tab, "console-item-statistics")
    # AND the Excel file comes down with a row per question
    with tab.expect_download() as caught:
        tab.get_by_role("button", name="Tải về Excel").click()
    from openpyxl import load_workbook

    assert caught.value.suggested_filename == "thong-ke-cau-hoi-r1.xlsx"
    with open(caught.value.path(), "rb") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    assert sheet.max_row == 21 and sheet["A1"].value == "Mã câu"
    context.close()
    assert not errors, errors
