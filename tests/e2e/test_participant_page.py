"""The participant page in a real headless Chromium against the real app (see conftest.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from chalicelib.messages import ERROR_MESSAGES
from chalicelib.settings import DEFAULT_EMBED_ORIGINS
from tests.e2e.support import (
    QUESTIONS,
    SCREENSHOTS,
    answer_current_question,
    fill_registration,
    new_person,
    register,
    run_axe,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def test_journey_register_answer_reload_predict_submit_and_see_receipt_in_history(stack, page):
    # GIVEN round 1 is open and a newcomer opens the contest page
    person = new_person()
    page.goto(stack.base_url)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cải cách hành chính")
    expect(page.locator(".round-open .countdown")).to_have_text(re.compile(r"\d{2}:\d{2}:\d{2}"))
    expect(page.locator(".documents li")).to_have_count(11)
    expect(page.get_by_text("Xếp hạng tập thể lần lượt theo tổng số lượt dự thi")).to_be_visible()
    screenshot(page, "01-landing")

    # WHEN they register, with a mistake first that is explained next to the field
    page.get_by_role("link", name="Vào thi ngay").click()
    expect(page.get_by_role("heading", name="Đăng ký dự thi")).to_be_visible()
    page.get_by_label("Số căn cước công dân (CCCD)").fill(person.national_id[:11])
    page.get_by_label("Số điện thoại").focus()
    expect(page.locator("#national_id-error")).to_contain_text("12 chữ số")
    screenshot(page, "02-registration-error")
    fill_registration(page, person)
    page.get_by_role("button", name="Đăng ký dự thi").click()

    # THEN they land on round 1 and start an attempt
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    for number in (1, 2, 3):
        answer_current_question(page, number, option=number % 4)
    expect(page.locator(".save-state")).to_have_text("Đã lưu")
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^(19|20):\d{2}$"))
    screenshot(page, "03-question")
    chosen = page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('sc.ans.'))))"
    )

    # WHEN the page is reloaded mid-attempt THEN the same attempt resumes where it was
    page.reload()
    expect(page.get_by_role("heading", name="Câu 4/20")).to_be_visible()
    expect(page.locator(".answered")).to_have_text("Đã trả lời 3/20")

    # AND with the phone's copy gone, the server alone gives the saved answers back (200)
    page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('sc.ans.')).forEach(k => localStorage.removeItem(k))"
    )
    page.reload()
    expect(page.locator(".answered")).to_have_text("Đã trả lời 3/20")
    page.get_by_role("button", name="Câu 2, đã trả lời").click()
    expect(page.get_by_role("heading", name="Câu 2/20")).to_be_visible()
    expect(page.locator(".option input:checked")).to_have_count(1)
    checked = page.locator(".option input:checked").get_attribute("value")
    assert checked in chosen["answers"].values()

    # WHEN the network drops, the answer waits on the phone and is saved once it is back
    page.get_by_role("button", name="Câu 4, chưa trả lời").click()
    page.context.set_offline(True)
    answer_current_question(page, 4)
    expect(page.locator(".save-state")).to_have_text("Chưa lưu – sẽ thử lại")
    page.context.set_offline(False)
    expect(page.locator(".save-state")).to_have_text("Đã lưu")

    # WHEN they answer the rest and the prediction question
    for number in range(5, QUESTIONS + 1):
        answer_current_question(page, number)
    page.get_by_label(re.compile("Dự đoán")).fill("1500")
    expect(page.locator(".save-state")).to_have_text("Đã lưu")
    expect(page.locator(".answered")).to_have_text("Đã trả lời 20/20")
    screenshot(page, "04-prediction")

    # AND confirm the submission
    page.locator(".submit-row").get_by_role("button", name="Nộp bài").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Bạn đã trả lời 20/20 câu.")
    screenshot(page, "05-confirm-submit")
    dialog.get_by_role("button", name="Nộp bài").click()

    # THEN the receipt shows what was recorded, and says the score comes after the round
    expect(page.get_by_role("heading", name="Bài thi đã được nộp")).to_be_visible()
    expect(page.locator(".answered-count")).to_have_text("20/20 câu")
    expect(page.locator(".score-later")).to_contain_text(
        "Điểm của bạn sẽ được công bố sau khi tuần thi kết thúc"
    )
    expect(page.locator(".score")).to_have_count(0)
    receipt = page.locator(".result .receipt").inner_text().strip()
    assert len(receipt) >= 8
    screenshot(page, "06-result")

    # AND the personal history lists the attempt with the same receipt, its score still to come
    page.get_by_role("link", name="Lịch sử dự thi").click()
    expect(page.get_by_role("heading", name=f"Xin chào, {person.full_name}")).to_be_visible()
    expect(page.locator(".attempts")).to_contain_text(receipt)
    expect(page.locator(".attempts")).to_contain_text("Chờ công bố điểm (sau ")
    screenshot(page, "07-history")

    # AND a returning visit is still signed in; signing out forgets the person
    page.goto(stack.base_url + "#/")
    expect(page.get_by_role("link", name="Cá nhân")).to_be_visible()
    page.get_by_role("link", name="Cá nhân").click()
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập", exact=True)).to_be_visible()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('sc.')).length") == 0


def submit_through_api(stack, token: str, round_id: str, answered: int = QUESTIONS) -> dict:
    """Another participant's attempt straight through the API: the first ``answered``
    questions, submitted no faster than the rules allow a person (a faster attempt is kept
    but never wins a prize), so keep ``answered`` small."""
    status, contest = stack.call("GET", "contest")
    assert status == 200, contest
    status, attempt = stack.call("POST", f"rounds/{round_id}/attempts", {}, token=token)
    assert status == 201, attempt
    answers = {q["id"]: q["options"][0]["id"] for q in attempt["questions"][:answered]}
    time.sleep(contest["rules"]["min_seconds_per_question"] * answered + 0.5)
    status, result = stack.call(
        "POST", f"attempts/{attempt['attempt_id']}/submit", {"answers": answers, "prediction": 3}, token=token
    )
    assert status == 200, result
    assert result["answered"] == answered and "correct" not in result  # a receipt, no score yet
    return result


def test_submit_after_the_time_is_up_shows_attempt_closed_then_published_results(stack, page):
    # GIVEN round 2 is open; one person has submitted (one answer, at a person's pace), another
    # has saved two answers
    stack.move_round("r2", opens=timedelta(hours=-1), closes=timedelta(hours=1), publish=timedelta(hours=2))
    winner = new_person("Phạm Minh Châu")
    submit_through_api(stack, register(stack, winner), "r2", answered=1)
    person = new_person("Trần Văn Bình")
    register(stack, person)
    sign_in(page, stack, person)
    page.goto(stack.base_url + "#/thi/r2")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    answer_current_question(page, 1)
    answer_current_question(page, 2)
    expect(page.locator(".save-state")).to_have_text("Đã lưu")

    # WHEN the organizers close the round (time up, grace over) and the person then submits
    stack.move_round(
        "r2", opens=timedelta(hours=-2), closes=timedelta(minutes=-2), publish=timedelta(hours=1)
    )
    page.locator(".submit-row").get_by_role("button", name="Nộp bài").click()
    page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()

    # THEN the API's ATTEMPT_CLOSED message is shown plainly
    alert = page.locator(".alert-closed")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(ERROR_MESSAGES["ATTEMPT_CLOSED"])
    screenshot(page, "08-time-up")

    # AND once the round is closed and published, its results page lists winners and units
    stack.close_round("r2")
    stack.admin("POST", "admin/rounds/r2/publish")
    page.goto(stack.base_url + "#/ket-qua/r2")
    expect(page.get_by_role("heading", name="Kết quả Tuần thứ Hai")).to_be_visible()
    individual = page.get_by_role("region", name="Giải cá nhân Tuần thứ Hai")
    expect(individual).to_contain_text(winner.full_name)
    expect(individual).to_contain_text("Phường Mỏ Chè")
    expect(page.get_by_role("region", name="Giải tập thể Tuần thứ Hai")).to_contain_text("Phường Mỏ Chè")
    screenshot(page, "09-published-results")


def test_results_before_publication_say_when_they_will_be_published(stack, page):
    # GIVEN round 1 is still open WHEN its results page is opened
    page.goto(stack.base_url + "#/ket-qua/r1")
    # THEN the page tells when they will be published instead of an error
    expect(page.locator(".notice")).to_contain_text(
        re.compile(r"Kết quả sẽ công bố lúc \d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}")
    )


def test_embed_mode_hides_the_chrome_and_the_headers_allow_the_portal_to_frame_it(stack, page):
    # GIVEN the city portal frames the page with ?embed=1
    response = page.goto(stack.base_url + "?embed=1")
    headers = response.headers
    # THEN the policy allows framing by the portal only (EMBED_ORIGINS), and no inline script
    policy = headers["content-security-policy"]
    assert f"frame-ancestors 'self' {DEFAULT_EMBED_ORIGINS}" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "x-frame-options" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]
    assert "strict-transport-security" not in headers  # the local stack is plain HTTP
    # AND the header band and footer are gone, the navigation stays
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".brand")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.get_by_role("link", name="Kết quả", exact=True)).to_be_visible()
    # AND the share link points at the page itself, not at the embedded variant
    expect(page.get_by_label("Liên kết trang thi")).to_have_value(stack.base_url)
    page.get_by_role("button", name="Sao chép liên kết").click()
    expect(page.locator(".share-status")).not_to_be_empty()
    screenshot(page, "10-embed")


@pytest.mark.skipif(
    not shutil.which("zbarimg"), reason="zbarimg (apt-get install zbar-tools) decodes the QR code"
)
def test_qr_code_opens_the_contest_page(stack, page, tmp_path):
    # GIVEN the landing page WHEN its QR code is scanned
    page.goto(stack.base_url)
    picture = tmp_path / "qr.png"
    qr = page.locator(".qr img")  # drawn by the server (segno, GET qr.svg)
    expect(qr).to_have_js_property("complete", True)
    page.wait_for_function("document.querySelector('.qr img').naturalWidth > 0")
    qr.screenshot(path=str(picture))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(picture)], capture_output=True, text=True)
    # THEN it gives the contest page's address
    assert decoded.stdout.strip() == stack.base_url


def test_main_screens_have_no_serious_or_critical_accessibility_findings(stack, axe_page):
    page = axe_page
    findings: dict[str, list[dict]] = {}
    person = new_person("Lê Thị Lan")
    register(stack, person)

    page.goto(stack.base_url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    findings["landing"] = run_axe(page)

    page.goto(stack.base_url + "#/dang-ky")
    page.get_by_role("button", name="Đăng ký dự thi").click()
    expect(page.locator(".form-alert")).to_be_visible()
    findings["registration with errors"] = run_axe(page)

    sign_in(page, stack, person)
    page.goto(stack.base_url + "#/ca-nhan")
    expect(page.get_by_role("heading", name=f"Xin chào, {person.full_name}")).to_be_visible()
    findings["personal page"] = run_axe(page)

    page.goto(stack.base_url + "#/thi/r1")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    answer_current_question(page, 1)
    findings["question"] = run_axe(page)

    page.get_by_role("button", name=re.compile("^Câu dự đoán")).click()
    findings["prediction"] = run_axe(page)

    page.locator(".submit-row").get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    findings["confirm dialog"] = run_axe(page)
    page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_role("heading", name="Bài thi đã được nộp")).to_be_visible()
    findings["receipt"] = run_axe(page)

    page.goto(stack.base_url + "#/ket-qua")
    expect(page.get_by_role("heading", name="Kết quả các tuần thi")).to_be_visible()
    findings["results index"] = run_axe(page)

    serious = {screen: found for screen, found in findings.items() if found}
    assert not serious, f"axe-core serious/critical findings: {serious}"
    assert SCREENSHOTS.exists()
