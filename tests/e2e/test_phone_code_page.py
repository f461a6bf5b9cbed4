"""Registration with the SMS code step (``rules.phone_verification`` "at_registration") on a
phone (360×740), against a stack of its own (``running_stack``, name "phonecode"): the rule is
switched on by writing the stored contest item, which the shared session stack must keep "off".

Photographs: test-artifacts/screenshots/phone-code-*.png (360 and 1280 px).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.support import fill_registration, missing, new_person, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
CONTEST_ID = "song-cong-cchc-2021"
CONFIG_CACHE_SECONDS = 5  # the app's default CONFIG_CACHE_SECONDS


@pytest.fixture(scope="module")
def phonecode_stack():
    """A stack for this module only, its contest asking for the phone's SMS code."""
    if os.environ.get("E2E_BASE_URL"):
        pytest.skip("these tests change the contest's rules: they need a stack of their own")
    if not shutil.which("java"):
        missing("java for DynamoDB Local (make system-deps)")
    from tests.stack import running_stack

    with running_stack(name="phonecode") as local:
        ddb = local.dynamodb_client()
        table = local.table_name("contest")
        key = {"pk": {"S": CONTEST_ID}, "sk": {"S": "CONTEST"}}
        body = json.loads(ddb.get_item(TableName=table, Key=key)["Item"]["body"]["S"])
        body["rules"]["phone_verification"] = "at_registration"
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET body = :body",
            ExpressionAttributeValues={":body": {"S": json.dumps(body, ensure_ascii=False)}},
        )
        # Every cached snapshot of the contest is older than the write once this has passed.
        time.sleep(CONFIG_CACHE_SECONDS + 1.5)
        status, contest = local.get("/contest")
        assert status == 200 and contest["rules"]["phone_verification"] == "at_registration", contest
        yield local


@pytest.fixture
def tab(browser, phonecode_stack):
    """A fresh phone-sized tab that fails the test on any script error or CSP refusal."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        # API refusals (400 PHONE_CODE_INVALID) are expected and shown.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


def sms_code(stack, phone: str, timeout: float = 15) -> str:
    """The code of the last SMS to ``phone`` in the stack's SMS log ("phone<TAB>text" lines)."""
    path = Path(stack.env["SMS_LOG_PATH"])
    tail = phone[1:]  # the log may write the number as 0912… or +84912…

    def last_code() -> str | None:
        if not path.exists():
            return None
        found = None
        for line in path.read_text(encoding="utf-8").splitlines():
            number, _, text = line.partition("\t")
            match = re.search(r"\b(\d{6})\b", text)
            if number.endswith(tail) and match:
                found = match.group(1)
        return found

    return stack.wait_until(last_code, timeout, f"an SMS to {phone} in {path}")


def test_register_with_the_sms_code_and_a_wrong_code_is_explained_next_to_the_code_field(
    phonecode_stack, tab
):
    stack = phonecode_stack
    person = new_person("Lê Thị Mai")
    # GIVEN the registration form of a contest that verifies phones
    tab.goto(stack.base_url + "/#/dang-ky")
    expect(tab.get_by_role("heading", name="Đăng ký dự thi")).to_be_visible()
    fill_registration(tab, person)
    code_input = tab.get_by_label("Mã xác minh (6 chữ số)")
    expect(code_input).to_be_hidden()

    # WHEN they submit before asking for a code, the phone field says what to do
    tab.get_by_role("button", name="Đăng ký dự thi").click()
    expect(tab.locator("#phone-error")).to_contain_text("Gửi mã xác minh")

    # WHEN they ask for the code, it is sent and the code field appears
    tab.get_by_role("button", name="Gửi mã xác minh").click()
    expect(tab.locator("#phone-code-sent")).to_have_text(
        f"Đã gửi mã đến số {person.phone}. Mã có hiệu lực 10 phút."
    )
    expect(tab.locator("#phone-error")).to_be_hidden()
    expect(code_input).to_be_visible()
    expect(code_input).to_have_attribute("inputmode", "numeric")
    expect(code_input).to_have_attribute("autocomplete", "one-time-code")
    code = sms_code(stack, person.phone)
    # the code request spent the widget's solution: it has solved anew for the registration
    expect(tab.locator("altcha-widget .altcha")).to_have_attribute("data-state", "verified")
    screenshot(tab, "phone-code-sent")

    # WHEN they type a wrong code, the server's Vietnamese message is shown next to the code field
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    code_input.fill(wrong)
    tab.get_by_role("button", name="Đăng ký dự thi").click()
    expect(tab.locator("#phone_code-error")).to_contain_text("Mã xác minh không đúng")
    expect(code_input).to_have_attribute("aria-invalid", "true")
    expect(tab.locator(".form-alert")).to_be_hidden()
    # and the widget solves once again for the next try (no competing solve that fails)
    expect(tab.locator("altcha-widget .altcha")).to_have_attribute("data-state", "verified")
    screenshot(tab, "phone-code-wrong")

    # WHEN they type the right one (the widget has solved again for this request), they are in
    code_input.fill(code)
    tab.get_by_role("button", name="Đăng ký dự thi").click()
    expect(tab.get_by_role("link", name="Cá nhân")).to_be_visible()
    expect(tab.get_by_text("Bạn đã đăng nhập.")).to_be_visible()
    screenshot(tab, "phone-code-signed-in")
