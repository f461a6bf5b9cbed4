"""Participation in the console (issue 11), on a phone, against the shared e2e stack: a ward's
office uploads the staff list of its office, sees the office's share go up once someone of the
list has taken an attempt (counted by the stream handler), and downloads the report."""

from __future__ import annotations

import io
import secrets
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.support import (
    console_go,
    console_sign_in,
    ensure_organizer,
    new_person,
    register,
    run_axe,
    screenshot,
    submit_attempt,
)

pytestmark = pytest.mark.e2e

OFFICE = ("vanphong-moche-e2e", "mo-che-password-e2e-1")


def _row(page, name: str):
    return page.get_by_role("table", name="Tỷ lệ dự thi theo cơ quan, đơn vị").get_by_role("row", name=name)


def test_a_ward_office_uploads_its_staff_list_and_watches_them_take_part(page, stack, tmp_path):
    # GIVEN the office of Mỏ Chè, and two of its staff: Hoa registered, Lan not yet
    ensure_organizer(
        stack, *OFFICE, role="unit_organizer", full_name="Văn phòng phường Mỏ Chè", unit_id="mo-che"
    )
    hoa, lan = new_person("Nguyễn Thị Hoa"), new_person("Trần Thị Lan")
    token = register(stack, hoa)
    roster_id = f"ubnd-{secrets.token_hex(3)}"
    office_name = f"UBND phường Mỏ Chè {roster_id}"
    staff = tmp_path / "can-bo.csv"
    staff.write_text(
        "full_name,national_id,phone,department\n"
        f"{hoa.full_name},{hoa.national_id},{hoa.phone},Văn phòng\n"
        f"{lan.full_name},{lan.national_id},,Tư pháp\n",
        encoding="utf-8",
    )
    console_sign_in(page, stack, *OFFICE)
    console_go(page, "Tham gia")
    expect(page.get_by_role("heading", name="Tỷ lệ tham gia", level=1)).to_be_visible()

    # WHEN it checks the file, THEN it is told the file is valid, and only then may import it
    page.get_by_label("Tên cơ quan, đơn vị").fill(office_name)
    page.get_by_label("Mã danh sách").fill(roster_id)
    page.get_by_label("Tệp danh sách (.xlsx hoặc .csv)").set_input_files(str(staff))
    import_button = page.get_by_role("button", name="Nhập danh sách")
    expect(import_button).to_be_disabled()
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_text("Tệp hợp lệ: 2 người.")).to_be_visible()
    import_button.click()
    expect(page.get_by_text(f"Đã nhập danh sách “{office_name}”: 2 người.")).to_be_visible()
    # AND the office's row shows nobody has taken part yet
    expect(_row(page, office_name)).to_contain_text("0\u00a0%")
    expect(page.get_by_role("progressbar", name=f"Tỷ lệ dự thi của {office_name}")).to_have_attribute(
        "value", "0"
    )
    screenshot(page, "console-participation-before")

    # WHEN Hoa takes an attempt (the stream handler counts it within seconds)
    submit_attempt(stack, token, "r1")
    deadline = time.monotonic() + 30
    while True:
        page.reload()
        row = _row(page, office_name)
        expect(row).to_be_visible()
        if "50\u00a0%" in row.inner_text() or time.monotonic() > deadline:
            break
        time.sleep(1)
    # THEN the office's share goes up to one in two, and Lan is the one to remind
    expect(row).to_contain_text("50\u00a0%")
    expect(page.get_by_role("progressbar", name=f"Tỷ lệ dự thi của {office_name}")).to_have_attribute(
        "value", "50"
    )
    missing = page.get_by_role("table", name="Người trong danh sách chưa dự thi")
    expect(missing.get_by_role("row", name=lan.full_name)).to_contain_text("Chưa đăng ký")
    expect(missing).not_to_contain_text(hoa.full_name)
    screenshot(page, "console-participation-after")

    # AND the report downloads as an Excel file with the same figures
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Tải báo cáo (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename == "tham-gia-mo-che-ca-cuoc-thi.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))  # the path has no .xlsx
    rows = [[c.value for c in row] for row in workbook.worksheets[0].iter_rows()]
    assert [office_name, 2, 1, 1, 50] in rows
    missing_rows = [[c.value for c in row] for row in workbook.worksheets[1].iter_rows()]
    assert [
        office_name,
        lan.full_name,
        "Tư pháp",
        "********" + lan.national_id[-4:],
        None,
        "Chưa đăng ký",
    ] in missing_rows


def test_the_participation_and_export_screens_pass_axe(axe_page, stack):
    ensure_organizer(
        stack, *OFFICE, role="unit_organizer", full_name="Văn phòng phường Mỏ Chè", unit_id="mo-che"
    )
    console_sign_in(axe_page, stack, *OFFICE)
    for label, heading in (("Tham gia", "Tỷ lệ tham gia"), ("Xuất Excel", "Xuất Excel")):
        console_go(axe_page, label)
        expect(axe_page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        found = run_axe(axe_page)
        assert not found, f"axe-core on {label}: {found}"
    screenshot(axe_page, "console-exports")
