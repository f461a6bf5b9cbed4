"""What the e2e tests share besides fixtures: the app as a JSON client, people to register,
steps on the page, screenshots at two widths and the axe-core check."""

from __future__ import annotations

import itertools
import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.altcha_solver import solve

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEV_ADMIN_TOKEN = os.environ.get("E2E_ADMIN_TOKEN", "dev-admin-token")  # for E2E_BASE_URL
VIETNAM = timezone(timedelta(hours=7))
MOBILE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def missing(what: str) -> None:
    if os.environ.get("E2E_REQUIRED") == "1":
        pytest.fail(f"e2e tests need {what}")
    pytest.skip(f"e2e tests need {what}")


def vn_iso(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


@dataclass
class Stack:
    """The running app as the tests see it: its page URL and a small JSON client."""

    base_url: str
    admin_token: str = DEV_ADMIN_TOKEN
    log_path: Path | None = None
    opened: set[str] = field(default_factory=set)

    def call(self, method: str, path: str, body: object = None, token: str | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path.lstrip("/"), data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def admin(self, method: str, path: str, body: object = None) -> dict:
        status, payload = self.call(method, path, body if body is not None else {}, token=self.admin_token)
        assert status < 300, f"{method} {path}: {status} {payload}"
        return payload

    def close_round(self, round_id: str, timeout: float = 30) -> dict:
        """Close and rank now, as the organizers do; ranking answers 409 STATS_PENDING until
        the stream handler has counted the attempts that closing just submitted."""
        deadline = time.monotonic() + timeout
        while True:
            status, payload = self.call("POST", f"admin/rounds/{round_id}/close", {}, token=self.admin_token)
            if status < 300:
                return payload
            pending = status == 409 and payload.get("error", {}).get("code") == "STATS_PENDING"
            assert pending and time.monotonic() < deadline, f"close {round_id}: {status} {payload}"
            time.sleep(0.5)

    def move_round(self, round_id: str, *, opens: timedelta, closes: timedelta, publish: timedelta) -> dict:
        """Set a round's times relative to now (the admin API of the organizers)."""
        now = datetime.now(VIETNAM)
        return self.admin(
            "PATCH",
            f"admin/rounds/{round_id}",
            {
                "opens_at": vn_iso(now + opens),
                "closes_at": vn_iso(now + closes),
                "publish_at": vn_iso(now + publish),
            },
        )

    def open_round(self, round_id: str) -> None:
        """Open a round now for three hours (once per run)."""
        if round_id not in self.opened:
            self.move_round(
                round_id, opens=timedelta(hours=-1), closes=timedelta(hours=3), publish=timedelta(hours=4)
            )
            self.opened.add(round_id)


def screenshot(tab, name: str) -> None:
    """Save the current screen at phone (360 px) and desktop (1280 px) widths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = tab.viewport_size or MOBILE
    for label, viewport in (("360", MOBILE), ("1280", DESKTOP)):
        tab.set_viewport_size(viewport)
        tab.wait_for_timeout(150)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: horizontal scrolling at {label} px ({width} px wide)"
        tab.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    tab.set_viewport_size(size)


@dataclass
class Person:
    full_name: str
    national_id: str
    date_of_birth: str
    gender: str
    phone: str
    unit_id: str = "mo-che"
    workplace: str = "Trường THCS Mỏ Chè"


_serials = itertools.count(1)


def new_person(full_name: str = "Nguyễn Thị Hoa") -> Person:
    """A participant whose CCCD agrees with birth year and gender (Thái Nguyên, code 019)."""
    serial = next(_serials)  # unique within the run, so no test meets ALREADY_REGISTERED by chance
    return Person(
        full_name=full_name,
        national_id=f"019190{serial:06d}",  # 019 province, 1 = woman born 1900s, 90 = 1990
        date_of_birth="1990-05-15",
        gender="female",
        phone=f"0912{serial:06d}",
    )


def register(stack: Stack, person: Person) -> str:
    """Register through the API (for tests about later screens), solving the proof of work
    as the page's widget does; returns the token."""
    status, challenge = stack.call("GET", "challenge")
    assert status == 200, challenge
    status, body = stack.call(
        "POST",
        "participants",
        {
            "national_id": person.national_id,
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
            "gender": person.gender,
            "phone": person.phone,
            "unit_id": person.unit_id,
            "workplace": person.workplace,
            "consent": True,
            "altcha": solve(challenge),
        },
    )
    assert status == 201, body
    return body["token"]


def run_axe(tab) -> list[dict]:
    """Serious and critical axe-core findings on the current screen."""
    if not AXE_SCRIPT.exists():
        missing(f"{AXE_SCRIPT.relative_to(REPO_ROOT)}: run `npm ci` at the repository root")
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE_SCRIPT))  # needs the axe_page fixture (bypass_csp)
    result = tab.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


# ---- steps on the page ----
QUESTIONS = 20


def answer_current_question(page, number: int, option: int = 0) -> None:
    """Tap an option of question ``number`` (1-based); one tap moves on to the next one."""
    expect(page.get_by_role("heading", name=f"Câu {number}/{QUESTIONS}")).to_be_visible()
    page.locator(".option").nth(option).click()
    following = f"Câu {number + 1}/{QUESTIONS}" if number < QUESTIONS else "Câu dự đoán"
    expect(page.get_by_role("heading", name=following)).to_be_visible()


def fill_registration(page, person) -> None:
    page.get_by_label("Họ và tên").fill(person.full_name)
    page.get_by_label("Số căn cước công dân (CCCD)").fill(person.national_id)
    page.get_by_label("Ngày sinh").fill(person.date_of_birth)
    page.get_by_label("Nữ" if person.gender == "female" else "Nam", exact=True).check()
    page.get_by_label("Số điện thoại").fill(person.phone)
    page.get_by_label("Phường, xã dự thi").select_option(person.unit_id)
    page.get_by_label("Nơi công tác, học tập").fill(person.workplace)
    page.get_by_label(re.compile("Tôi đồng ý")).check()


def sign_in(page, stack, person) -> None:
    page.goto(stack.base_url + "#/dang-nhap")
    page.get_by_label("Số căn cước công dân (CCCD)").fill(person.national_id)
    page.get_by_label("Số điện thoại đã đăng ký").fill(person.phone)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("link", name="Cá nhân")).to_be_visible()


# ---- the organizer console (GET /admin) ----
# The account the dev stage of the local stack creates (role admin).
CONSOLE_ADMIN = ("bantochuc", "dev-password-123")
CONSOLE_SESSION_KEY = "sc-console-session"


def organizer_token(stack: Stack, username: str, password: str) -> str:
    """Sign an organizer in through the API; returns the session token."""
    status, body = stack.call("POST", "admin/sessions", {"username": username, "password": password})
    assert status == 200, f"login {username}: {status} {body}"
    return body["token"]


def ensure_organizer(
    stack: Stack, username: str, password: str, *, role: str, full_name: str, **extra
) -> None:
    """Create an account with the operator's token, unless it exists (409 ALREADY_EXISTS):
    a test that needs an account does not depend on another test having made it."""
    body = {"username": username, "password": password, "role": role, "full_name": full_name, **extra}
    status, payload = stack.call("POST", "admin/organizers", body, token=stack.admin_token)
    assert status == 201 or (status == 409 and payload["error"]["code"] == "ALREADY_EXISTS"), payload


def submit_attempt(
    stack: Stack, token: str, round_id: str, *, answered: int = 1, paced: bool = False
) -> dict:
    """A participant's attempt straight through the API: the first ``answered`` questions,
    option A, prediction 3. ``paced`` waits as long as a person must for the attempt to be
    allowed to win (otherwise it is "too fast": ranked, flagged, never a prize)."""
    status, contest = stack.call("GET", "contest")
    assert status == 200, contest
    status, attempt = stack.call("POST", f"rounds/{round_id}/attempts", {}, token=token)
    assert status in (200, 201), attempt
    answers = {q["id"]: q["options"][0]["id"] for q in attempt["questions"][:answered]}
    if paced:
        time.sleep(contest["rules"]["min_seconds_per_question"] * answered + 0.5)
    status, result = stack.call(
        "POST", f"attempts/{attempt['attempt_id']}/submit", {"answers": answers, "prediction": 3}, token=token
    )
    assert status == 200, result
    return result


def console_sign_in(page, stack: Stack, username: str, password: str) -> None:
    """Sign in on the console's form and wait for the first screen behind it."""
    page.goto(stack.base_url + "admin#/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#nav-list")).not_to_be_empty()


def console_go(page, label: str) -> None:
    """Open a screen from the navigation (through the menu button on a phone)."""
    toggle = page.locator("#menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.locator("#console-nav").get_by_role("link", name=label, exact=True).click()


def console_nav_labels(page) -> list[str]:
    return page.locator("#nav-list a").all_inner_texts()
