"""The question bank in the console (issue 10), on a 360×740 phone, against the shared e2e
stack: an editor imports a small .xlsx (checked first, then applied), then edits one of the
imported questions, which gets a new version."""

from __future__ import annotations

import secrets

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from chalicelib.domain.bank import COLUMNS
from tests.e2e.support import console_go, console_sign_in, ensure_organizer, run_axe, screenshot

pytestmark = pytest.mark.e2e

EDITOR = ("bien-soan-e2e", "bien-soan-password-e2e-1")
PHONE = {"width": 360, "height": 740}


def _sheet(path, ids: list[str]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for n, question_id in enumerate(ids, start=1):
        sheet.append(
            [
                question_id,
                "nd-43-2011",
                "content",
                f"Câu hỏi nhập thử số {n} ({question_id}) hỏi về dịch vụ công nào?",
                f"Dịch vụ thứ nhất {n}",
                f"Dịch vụ thứ hai {n}",
                f"Dịch vụ thứ ba {n}",
                f"Dịch vụ thứ tư {n}",
                "C",
                "Nghị định 43/2011/NĐ-CP, Điều 3 khoản 4",
                "",
            ]
        )
    workbook.save(path)


def test_an_editor_imports_a_small_xlsx_and_edits_a_question(page, stack, tmp_path):
    # GIVEN an editor of the question bank, on a phone, and a sheet of two new questions
    page.set_viewport_size(PHONE)
    ensure_organizer(stack, *EDITOR, role="editor", full_name="Tổ biên soạn câu hỏi")
    suffix = secrets.token_hex(3)
    ids = [f"e2e-{suffix}-1", f"e2e-{suffix}-2"]
    sheet = tmp_path / "cau-hoi.xlsx"
    _sheet(sheet, ids)
    console_sign_in(page, stack, *EDITOR)
    console_go(page, "Ngân hàng câu hỏi")
    expect(page.get_by_role("heading", name="Ngân hàng câu hỏi", level=1)).to_be_visible()

    # WHEN it checks the file, THEN it learns what would change, and only then may apply it
    page.get_by_label("Tệp câu hỏi (.xlsx hoặc .csv)").set_input_files(str(sheet))
    import_button = page.get_by_role("button", name="Nhập câu hỏi")
    expect(import_button).to_be_disabled()
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_text("Tệp hợp lệ: sẽ thêm 2 câu, sửa 0 câu.")).to_be_visible()
    assert stack.call("GET", f"admin/questions/{ids[0]}", token=stack.admin_token)[0] == 404
    import_button.click()
    expect(page.get_by_text("Đã nhập: thêm 2 câu, sửa 0 câu.")).to_be_visible()
    # AND the list, reloaded, shows the bank 25 questions at a time
    expect(page.get_by_role("button", name="Hiện thêm 25 câu")).to_be_visible()
    screenshot(page, "console-bank-imported")

    # WHEN it finds the first question and edits its text and key
    page.get_by_label("Tìm (không cần dấu)").fill(ids[0])
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("button", name=f"Xem, sửa câu {ids[0]}").click()
    dialog = page.get_by_role("dialog", name=f"Sửa câu {ids[0]}")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Câu hỏi", exact=True).fill(
        "Dịch vụ công trực tuyến mức độ nào cho phép nộp hồ sơ trực tuyến?"
    )
    dialog.get_by_label("Phương án A").fill("Mức độ một")
    dialog.get_by_label("Phương án B").fill("Mức độ ba")
    dialog.get_by_label("Phương án C").fill("Chỉ tra cứu thông tin")
    dialog.get_by_label("Phương án D").fill("Mức độ hai")
    dialog.get_by_role("radio", name="B").check()
    screenshot(page, "console-bank-edit")
    dialog.get_by_role("button", name="Lưu phiên bản mới").click()

    # THEN the question has a new version with the new key, and the change is audited
    expect(page.get_by_text(f"Đã lưu câu {ids[0]}, phiên bản 2.")).to_be_visible()
    expect(page.get_by_role("cell", name="Phiên bản 2")).to_be_visible()  # the list, reloaded
    page.get_by_role("button", name=f"Xem, sửa câu {ids[0]}").click()
    again = page.get_by_role("dialog", name=f"Sửa câu {ids[0]}")
    again.get_by_text("Các phiên bản trước (1)").click()
    expect(again.get_by_role("heading", name="Phiên bản 1")).to_be_visible()
    expect(again.get_by_text("Dịch vụ thứ nhất 1")).to_be_visible()  # what version 1 said
    again.get_by_role("button", name="Huỷ").click()
    status, stored = stack.call("GET", f"admin/questions/{ids[0]}", token=stack.admin_token)
    assert status == 200
    assert (stored["version"], stored["correct_option_id"]) == (2, "1")
    assert [v["version"] for v in stored["versions"]] == [2, 1]
    _status, events = stack.call("GET", "admin/audit?action=question.", token=stack.admin_token)
    assert {(e["action"], e["actor"]) for e in events["events"] if e["target"] == ids[0]} == {
        ("question.edit", EDITOR[0])
    }


def test_the_bank_screen_and_its_form_have_no_serious_accessibility_problem(axe_page, stack):
    # GIVEN the bank's screen on a phone
    axe_page.set_viewport_size(PHONE)
    ensure_organizer(stack, *EDITOR, role="editor", full_name="Tổ biên soạn câu hỏi")
    console_sign_in(axe_page, stack, *EDITOR)
    console_go(axe_page, "Ngân hàng câu hỏi")
    expect(axe_page.get_by_role("button", name="Thêm câu hỏi")).to_be_visible()
    # THEN axe-core finds nothing serious, on the list and in the form of a new question
    assert run_axe(axe_page) == []
    axe_page.get_by_role("button", name="Thêm câu hỏi").click()
    form = axe_page.get_by_role("dialog", name="Thêm câu hỏi")
    form.get_by_role("button", name="Thêm câu hỏi").click()  # empty: every field says what is missing
    expect(form.get_by_text("Hãy nhập mã câu hỏi.")).to_be_visible()
    expect(form.get_by_text("Hãy chọn phương án đúng.")).to_be_visible()
    assert run_axe(axe_page) == []
