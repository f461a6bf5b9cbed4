"""Autosave that costs little and loses nothing (issue 15), on a 360×740 phone: every answer is
kept on the phone at once, and the server gets a save only after every 5th new answer, within
20 s of a change it has not seen, when the page is hidden or closed, and with the submit."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.support import QUESTIONS, answer_current_question, new_person, register, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
SAVE = re.compile(r"/attempts/[^/]+/answers$")


class Phone:
    """A browser context of its own (its own localStorage) that counts the saves it sends."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.saves: list[dict] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        if request.method == "PUT" and SAVE.search(request.url):
            self.saves.append(request.post_data_json)

    def start(self, stack, person) -> None:
        sign_in(self.page, stack, person)
        self.page.goto(stack.base_url + "#/thi/r1")
        self.page.get_by_role("button", name=re.compile("Bắt đầu làm bài|Tiếp tục lượt đang làm")).click()

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"errors in the page: {self.errors}"


@pytest.fixture
def phones(browser, stack) -> Iterator[list[Phone]]:
    opened: list[Phone] = []
    yield opened
    for phone in opened:
        phone.close()


def _person_on(phones: list[Phone], browser, stack, *, clock: bool = False):
    person = new_person("Lê Thị Autosave")
    register(stack, person)
    phone = Phone(browser)
    phones.append(phone)
    if clock:
        phone.page.clock.install()  # time flows; the test may jump it
    phone.start(stack, person)
    expect(phone.page.get_by_role("heading", name=f"Câu 1/{QUESTIONS}")).to_be_visible()
    return person, phone


def _server_answers(stack, person) -> dict:
    """What the server holds: the unfinished attempt, resumed through the API (200)."""
    status, body = stack.call("POST", "sessions", {"national_id": person.national_id, "phone": person.phone})
    assert status == 200, body
    status, attempt = stack.call("POST", "rounds/r1/attempts", {}, token=body["token"])
    assert status == 200, attempt
    return attempt["answers"]


def test_a_reload_in_the_middle_of_an_attempt_keeps_every_answer(browser, stack, phones):
    # GIVEN a person who answered 3 questions (not yet sent: fewer than 5 new answers)
    person, phone = _person_on(phones, browser, stack)
    page = phone.page
    for number in (1, 2, 3):
        answer_current_question(page, number, option=number % 4)
    expect(page.locator(".save-state")).to_have_text("Đã lưu")
    assert phone.saves == []
    chosen = page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('sc.ans.'))))"
    )["answers"]

    # WHEN the page is reloaded THEN every answer is there, from the phone's copy
    page.reload()
    expect(page.get_by_role("heading", name="Câu 4/20")).to_be_visible()
    expect(page.locator(".answered")).to_have_text("Đã trả lời 3/20")
    for number in (1, 2, 3):
        page.get_by_role("button", name=f"Câu {number}, đã trả lời").click()
        checked = page.locator(".option input:checked").get_attribute("value")
        assert checked == list(chosen.values())[number - 1]

    # AND leaving the page sent them (keepalive), so the server has them too
    assert _server_answers(stack, person) == chosen


def test_a_second_phone_signed_in_as_the_same_person_resumes_with_the_servers_copy(browser, stack, phones):
    # GIVEN 5 answers on the first phone: the 5th new answer sends a save
    person, first = _person_on(phones, browser, stack)
    with first.page.expect_request(lambda r: r.method == "PUT" and bool(SAVE.search(r.url))):
        for number in range(1, 6):
            answer_current_question(first.page, number)
    expect(first.page.locator(".save-state")).to_have_text("Đã lưu")
    assert len(first.saves) == 1 and len(first.saves[0]["answers"]) == 5
    assert first.saves[0]["first_save"] is True  # the server makes the save item without a try
    # AND 2 more answers that stay on the first phone, which then loses its connection
    for number in (6, 7):
        answer_current_question(first.page, number)
    first.context.set_offline(True)  # its 20-second save cannot reach the server
    assert len(first.saves) == 1

    # WHEN the same person opens the attempt on a second phone
    second = Phone(browser)
    phones.append(second)
    second.start(stack, person)

    # THEN it shows what the server has: the 5 saved answers
    expect(second.page.locator(".answered")).to_have_text("Đã trả lời 5/20")
    expect(second.page.get_by_role("heading", name="Câu 6/20")).to_be_visible()
    # AND its next save, of an attempt the server has saved, is no first save
    with second.page.expect_request(lambda r: r.method == "PUT" and bool(SAVE.search(r.url))):
        for number in range(6, 11):
            answer_current_question(second.page, number)
    assert len(second.saves) == 1 and "first_save" not in second.saves[0]
    assert len(_server_answers(stack, person)) == 10


def test_hiding_the_page_sends_the_pending_save(browser, stack, phones):
    # GIVEN 2 answers kept on the phone only
    person, phone = _person_on(phones, browser, stack)
    for number in (1, 2):
        answer_current_question(phone.page, number)
    assert phone.saves == []

    # WHEN the page is hidden (another app comes to the front)
    with phone.page.expect_request(lambda r: r.method == "PUT" and bool(SAVE.search(r.url))):
        phone.page.evaluate(
            "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )

    # THEN the pending save is sent and the server holds both answers
    expect(phone.page.locator(".save-state")).to_have_text("Đã lưu")
    assert len(phone.saves) == 1
    assert len(_server_answers(stack, person)) == 2


def test_a_change_is_sent_once_the_person_has_changed_nothing_for_20_seconds(browser, stack, phones):
    _, phone = _person_on(phones, browser, stack)
    answer_current_question(phone.page, 1)
    assert phone.saves == []
    with phone.page.expect_request(lambda r: r.method == "PUT" and bool(SAVE.search(r.url)), timeout=25_000):
        pass
    assert len(phone.saves) == 1 and len(phone.saves[0]["answers"]) == 1


def test_a_person_answering_steadily_saves_every_5th_answer_and_waits_at_most_60_seconds(
    browser, stack, phones
):
    # GIVEN a person who answers one question every 15 s: never 20 s without a change
    _, phone = _person_on(phones, browser, stack, clock=True)
    page = phone.page
    for number in range(1, 5):
        if number > 1:
            page.clock.fast_forward("00:15")
        answer_current_question(page, number)
    # THEN 4 answers wait on the phone for 60 s at most after the first: none sent after about
    # 57 s (each tap also takes the better part of a real second)
    page.clock.fast_forward("00:09")
    assert phone.saves == []
    with page.expect_request(lambda r: r.method == "PUT" and bool(SAVE.search(r.url))):
        page.clock.fast_forward("00:04")
    expect(page.locator(".save-state")).to_have_text("Đã lưu")
    assert len(phone.saves) == 1 and len(phone.saves[0]["answers"]) == 4
    # AND at a person's pace (one answer every 6 s) the 5th new answer saves, not a timer
    for number in range(5, 10):
        answer_current_question(page, number)
        page.clock.fast_forward("00:06")
    assert len(phone.saves) == 2 and len(phone.saves[1]["answers"]) == 9


def test_a_submit_right_after_the_last_answer_submits_it(browser, stack, phones):
    # GIVEN every question answered, the last one just now, and the prediction
    _, phone = _person_on(phones, browser, stack)
    page = phone.page
    for number in range(1, QUESTIONS + 1):
        answer_current_question(page, number, option=1)
    page.get_by_label(re.compile("Dự đoán")).fill("1500")

    # WHEN they submit at once
    page.locator(".submit-row").get_by_role("button", name="Nộp bài").click()
    page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()

    # THEN the submit carries the whole state: 20 answers recorded, with 4 saves at most before
    expect(page.get_by_role("heading", name="Bài thi đã được nộp")).to_be_visible()
    expect(page.locator(".answered-count")).to_have_text(f"{QUESTIONS}/{QUESTIONS} câu")
    assert len(phone.saves) <= QUESTIONS // 5
