"""Integrity as a person meets it on a phone (360×740): the proof of work solved by the widget
while the form is filled in, a receipt without a score until the round is closed, the rules
that say so, and refusals worded by the server (see conftest.py for the stack)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from chalicelib.messages import ERROR_MESSAGES
from tests.e2e.support import (
    QUESTIONS,
    VIETNAM,
    answer_current_question,
    fill_registration,
    new_person,
    register,
    run_axe,
    screenshot,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
ANSWERED = 12  # the rest are left unanswered, so "answered" and "correct" differ


def vn_text(iso: str) -> str:
    """How the page writes a time: "16:30 ngày 19/12/2021", Vietnam time."""
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def vn_short(iso: str) -> str:
    """The short form of lists: "16:30 19/12/2021"."""
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def my_attempt(stack, token: str, attempt_id: str) -> dict:
    status, me = stack.call("GET", "me", token=token)
    assert status == 200, me
    return next(a for a in me["attempts"] if a["attempt_id"] == attempt_id)


def test_landing_rules_say_when_scores_and_answers_come_and_that_too_fast_wins_nothing(stack, page):
    # GIVEN the contest's rules as the API gives them
    status, contest = stack.call("GET", "contest")
    assert status == 200
    rules = contest["rules"]
    assert (rules["score_visibility"], rules["review_visibility"]) == ("after_close", "after_contest")
    # WHEN a person reads the landing page on a phone
    page.set_viewport_size(PHONE)
    page.goto(stack.base_url)
    section = page.locator("section[aria-labelledby='h-rules']")
    # THEN the rules say when scores and correct answers are shown
    expect(section).to_contain_text("điểm được công bố sau khi tuần thi kết thúc")
    expect(section).to_contain_text("Đáp án đúng được công bố sau khi kết thúc tuần thi cuối cùng")
    # AND that an attempt answered faster than the minimum per question wins no prize
    seconds = str(rules["min_seconds_per_question"]).replace(".", ",")
    expect(section).to_contain_text(f"nhanh hơn {seconds} giây một câu")
    expect(section).to_contain_text("không được xét giải")


def test_sign_in_after_too_many_wrong_phones_shows_the_servers_message(stack, page):
    # GIVEN a registered person who mistypes their phone number again and again
    person = new_person("Đỗ Thị Mai")
    register(stack, person)
    page.set_viewport_size(PHONE)
    page.goto(stack.base_url + "#/dang-nhap")
    page.get_by_label("Số căn cước công dân (CCCD)").fill(person.national_id)
    page.get_by_label("Số điện thoại đã đăng ký").fill("0987654321")
    alert = page.locator(".form-alert")
    statuses = []
    # WHEN they keep trying until the server locks the sign-in
    for _ in range(6):
        with page.expect_response(lambda response: response.url.endswith("/sessions")) as answer:
            page.get_by_role("button", name="Đăng nhập").click()
        statuses.append(answer.value.status)
        if statuses[-1] == 429:
            break
        expect(alert).to_have_text(ERROR_MESSAGES["INVALID_CREDENTIALS"])
    # THEN the 429 is not a generic error: the server's own Vietnamese message is shown
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}, statuses
    expect(alert).to_have_text(ERROR_MESSAGES["TOO_MANY_ATTEMPTS"])
    expect(alert).to_be_focused()
    expect(page.get_by_role("button", name="Đăng nhập")).to_be_enabled()
    screenshot(page, "11-sign-in-locked")


@pytest.mark.closes_round_1
def test_receipt_without_score_until_the_round_is_closed_then_the_score_in_history(stack, page, axe_page):
    stack.open_round("r1")
    _, contest = stack.call("GET", "contest")
    round_1 = next(r for r in contest["rounds"] if r["id"] == "r1")
    last_close = max(r["closes_at"] for r in contest["rounds"])

    # GIVEN a newcomer on a phone registers through the form; the widget solves the proof of
    # work while the form is filled in
    person = new_person("Vũ Thị Thu")
    page.set_viewport_size(PHONE)
    page.goto(stack.base_url)
    page.get_by_role("link", name="Vào thi ngay").click()
    expect(page.get_by_role("heading", name="Đăng ký dự thi")).to_be_visible()
    fill_registration(page, person)
    expect(page.locator("altcha-widget")).to_contain_text("Đã xác minh", timeout=30_000)
    screenshot(page, "12-registration-verified")
    with page.expect_request(lambda request: request.url.endswith("/participants")) as sent:
        page.get_by_role("button", name="Đăng ký dự thi").click()
    assert sent.value.header_value("content-type") == "application/json"
    assert sent.value.post_data_json["altcha"]

    # WHEN they answer some questions and submit
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    for number in range(1, ANSWERED + 1):
        answer_current_question(page, number, option=number % 4)
    expect(page.locator(".save-state")).to_have_text("Đã lưu")
    page.locator(".submit-row").get_by_role("button", name="Nộp bài").click()
    page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()

    # THEN they see a receipt: what was recorded and when the score and answers come, no score
    expect(page.get_by_role("heading", name="Bài thi đã được nộp")).to_be_visible()
    attempt_id = page.url.rsplit("#/luot/", 1)[1]
    token = page.evaluate("JSON.parse(localStorage.getItem('sc.token'))")
    recorded = my_attempt(stack, token, attempt_id)
    assert "correct" not in recorded and "review" not in recorded
    result = page.locator(".result")
    expect(result.locator(".receipt")).to_have_text(recorded["receipt"])
    expect(result.locator(".answered-count")).to_have_text(f"{ANSWERED}/{QUESTIONS} câu")
    expect(result).to_contain_text("Thời gian làm bài")
    expect(result).to_contain_text(re.compile(r"Nộp lúc\s*\d{2}:\d{2}:\d{2} ngày \d{2}/\d{2}/\d{4}"))
    expect(result.locator(".score-later")).to_have_text(
        f"Điểm của bạn sẽ được công bố sau khi tuần thi kết thúc lúc {vn_text(round_1['closes_at'])}."
    )
    expect(result.locator(".review-later")).to_have_text(
        f"Đáp án đúng sẽ được công bố sau khi kết thúc tuần thi cuối cùng ({vn_text(last_close)})."
    )
    expect(page.locator(".score")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("câu trả lời đúng")
    screenshot(page, "13-receipt")
    page.set_viewport_size({"width": 320, "height": 640})  # the narrowest phones still in use
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "horizontal scrolling at 320 px"
    page.set_viewport_size(PHONE)

    # AND the receipt screen has no serious or critical accessibility findings (axe-core needs
    # a tab without CSP; the same person's session, the receipt as the server gives it)
    axe_page.set_viewport_size(PHONE)
    session = {key: page.evaluate(f"localStorage.getItem('sc.{key}')") for key in ("token", "participant")}
    axe_page.context.add_init_script(
        "".join(f"localStorage.setItem('sc.{key}', {json.dumps(value)});" for key, value in session.items())
    )
    axe_page.goto(stack.base_url + f"#/luot/{attempt_id}")
    expect(axe_page.locator(".score-later")).to_be_visible()
    expect(axe_page.locator(".result .receipt")).to_have_text(recorded["receipt"])
    assert run_axe(axe_page) == []

    # AND the history says the score is still to come
    page.get_by_role("link", name="Lịch sử dự thi").click()
    attempts = page.locator(".attempts")
    expect(attempts).to_contain_text(f"Chờ công bố điểm (sau {vn_short(round_1['closes_at'])})")
    expect(attempts).to_contain_text(recorded["receipt"])
    expect(attempts).not_to_contain_text("câu đúng")
    screenshot(page, "14-history-waiting")

    # WHEN the round ends and the server closes it
    stack.move_round(
        "r1", opens=timedelta(hours=-3), closes=timedelta(minutes=-2), publish=timedelta(hours=1)
    )
    stack.close_round("r1")
    scored = my_attempt(stack, token, attempt_id)
    assert scored["score_visible"] and 0 <= scored["correct"] <= ANSWERED

    # THEN reloading the history shows the score
    page.reload()
    expect(attempts).to_contain_text(f"{scored['correct']}/{QUESTIONS} câu đúng")
    expect(attempts).not_to_contain_text("Chờ công bố điểm")
    # AND the correct answers only if the server sends them (after the last round is closed)
    expect(attempts.locator("details.review")).to_have_count(1 if "review" in scored else 0)
    if "review" in scored:
        attempts.locator("details.review summary").click()
        expect(attempts.locator(".review-list > li")).to_have_count(QUESTIONS)
    screenshot(page, "15-history-score")

    # AND the receipt screen now shows the score as the result of the attempt
    page.goto(stack.base_url + f"#/luot/{attempt_id}")
    expect(page.get_by_role("heading", name="Kết quả lượt thi")).to_be_visible()
    expect(page.locator(".score")).to_have_text(f"{scored['correct']}/{QUESTIONS} câu trả lời đúng")
    expect(page.locator(".score-later")).to_have_count(0)
    if "review" in scored:
        expect(page.locator(".result details.review")).to_have_count(1)
        expect(page.locator(".review-later")).to_have_count(0)
    else:
        expect(page.locator(".review-later")).to_contain_text("sau khi kết thúc tuần thi cuối cùng")
    screenshot(page, "16-receipt-score")
