"""The organizer console (GET /admin) on a phone (360×740), against a stack of its own.

These tests close, rank and publish round 1, which the participant journeys of the shared
session stack need open (conftest.py), so the module runs its own stack (``running_stack``,
name "console"). Every screen is checked with axe-core (no serious or critical finding) and
photographed at 360 and 1280 px (test-artifacts/screenshots/console-*.png).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from chalice import Chalice
from chalice.test import Client
from playwright.sync_api import expect

from chalicelib.routes import web
from scripts.page_weight import BUDGET_BYTES, first_visit, loaded_later
from tests.e2e.support import (
    CONSOLE_ADMIN,
    CONSOLE_SESSION_KEY,
    VIETNAM,
    Person,
    Stack,
    console_go,
    console_nav_labels,
    console_sign_in,
    ensure_organizer,
    missing,
    new_person,
    organizer_token,
    register,
    run_axe,
    screenshot,
    submit_attempt,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
UNIT_ORGANIZER = ("phuongmoche", "mo-che-password-1")
EXPIRED = "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại."
EXCLUDED_NOTE = "Tài khoản của bạn gắn với CCCD nên bạn không được dự thi (mục 2.2 Kế hoạch)."


def vn_text(iso: str) -> str:
    """How the console writes a time: "16:30 ngày 19/12/2021", Vietnam time."""
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def vn_input(moment: datetime) -> str:
    """The value of a datetime-local field in Vietnam time."""
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def assert_accessible(tab, where: str) -> None:
    found = run_axe(tab)
    assert not found, f"axe-core on {where}: {found}"


# ---- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def console_stack():
    """A stack for this module only, round 1 open now, the dev admin account present."""
    base_url = os.environ.get("E2E_CONSOLE_BASE_URL")
    if base_url:  # a fresh app of its own, as for E2E_BASE_URL (conftest.py)
        yield _prepared(Stack(base_url.rstrip("/") + "/"))
        return
    if os.environ.get("E2E_BASE_URL"):
        pytest.skip("the console tests close round 1: set E2E_CONSOLE_BASE_URL to a fresh app of their own")
    if not shutil.which("java"):
        missing("java for DynamoDB Local (make system-deps)")
    from tests.stack import running_stack

    with running_stack(name="console") as local:
        yield _prepared(Stack(local.base_url + "/", admin_token=local.admin_token, log_path=local.log_path))


def _prepared(stack: Stack) -> Stack:
    stack.open_round("r1")
    # The dev stage creates this account; made here with the operator token when it is not.
    ensure_organizer(stack, *CONSOLE_ADMIN, role="admin", full_name="Ban Tổ chức (thử nghiệm)")
    return stack


@pytest.fixture
def tabs(browser, console_stack):
    """Opens phone-sized tabs (own storage each); fails the test on any script error or CSP
    refusal in them. The CSP is bypassed (so that axe-core can be injected) unless
    ``enforce_csp``."""
    opened = []
    errors: list[str] = []

    def on_console(message) -> None:
        # API refusals (401, 404, 409) are expected and shown; anything else is an error.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    def open_tab(*, enforce_csp: bool = False):
        context = browser.new_context(
            viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", bypass_csp=not enforce_csp
        )
        context.set_default_timeout(15_000)
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", on_console)
        opened.append(context)
        return tab

    yield open_tab
    for context in opened:
        context.close()
    assert not errors, f"errors in the console: {errors}"


# ---- the page itself (no browser, no database) ------------------------------------------------


def test_console_is_served_like_the_participant_page_with_versioned_assets():
    app = Chalice(app_name="web-only")
    app.register_blueprint(web.web_routes)
    with Client(app) as client:
        page = client.http.get("/admin")
        index = client.http.get("/")
        # THEN the console is HTML in Vietnamese with the participant page's security headers,
        # except that nobody may frame it (the participant page may be framed by the portal)
        assert page.status_code == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.headers["Cache-Control"] == "no-cache"
        for name, value in web.page_headers().items():
            if name != "Content-Security-Policy":
                assert page.headers[name] == value == index.headers[name]
        console_policy = page.headers["Content-Security-Policy"]
        assert console_policy.endswith("frame-ancestors 'none'") and page.headers["X-Frame-Options"] == "DENY"
        assert (
            console_policy.split("frame-ancestors")[0]
            == index.headers["Content-Security-Policy"].split("frame-ancestors")[0]
        )
        html = page.body.decode()
        assert '<html lang="vi">' in html
        assert (
            not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
            and " style=" not in html
            and "<style" not in html
        )
        # AND every asset has its content-hashed name, common.js before console.js
        assets = web.get_site().assets
        scripts = re.findall(r'<script src="static/([^"]+)"', html)
        assert scripts[:2] == [assets["common.js"].versioned_name, assets["console.js"].versioned_name]
        # (then the screens in their own files, console-<name>.js, each versioned too)
        assert all(
            s.startswith("console-") and s in {a.versioned_name for a in assets.values()} for s in scripts[2:]
        )
        for name in ("app.css", "console.css", "icon.svg"):
            assert f'"static/{assets[name].versioned_name}"' in html
        # AND the chart library is named by console.js with its hashed name (loaded later)
        served = client.http.get("/static/" + assets["console.js"].versioned_name).body.decode()
        for name in ("uplot.js", "uplot.css"):
            assert f"'static/{assets[name].versioned_name}'" in served and f"'static/{name}'" not in served
        # AND the page is not an asset of its own; "/admin/" goes to "/admin", where relative
        # URLs resolve to the stage root
        assert client.http.get("/static/console.html").status_code == 404
        slash = client.http.get("/admin/")
        assert slash.status_code == 301 and slash.headers["Location"] == "../admin"

        # AND its first visit (the sign-in screen) is within the weight budget, without the charts
        def fetch(path: str) -> bytes:
            return client.http.get("/" + path).body

        rows = first_visit(fetch, with_api=False, page="admin")
        assert sum(packed for _, _, packed in rows) <= BUDGET_BYTES
        assert not any("uplot" in path for path, _, _ in rows)
        assert {path for path, _, _ in loaded_later(fetch, "admin")} == {
            f"static/{assets['uplot.js'].versioned_name}",
            f"static/{assets['uplot.css'].versioned_name}",
        }


def test_console_and_its_charts_run_under_the_content_security_policy(console_stack, tabs):
    # GIVEN a tab that enforces the page's CSP (no inline style, scripts from our origin only)
    tab = tabs(enforce_csp=True)
    violations: list[str] = []
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    console_sign_in(tab, console_stack, *CONSOLE_ADMIN)
    # WHEN the dashboard draws its charts, switches metric, and a dialog opens
    expect(tab.locator(".chart canvas")).to_have_count(2)
    assert tab.evaluate("typeof window.uPlot") == "function"
    tab.get_by_role("radio", name="Điểm trung bình").check()
    expect(tab.locator("#bar-caption")).to_contain_text("Điểm trung bình")
    console_go(tab, "Tuần thi")
    tab.locator(".round-card").first.get_by_role("button", name="Đổi thời gian").click()
    expect(tab.locator(".times-form").first).to_be_visible()
    # THEN nothing was refused (the tabs fixture fails on any error too)
    assert not violations, violations


# ---- sign-in ----------------------------------------------------------------------------------


def test_wrong_password_shows_the_servers_vietnamese_message(console_stack, tabs):
    # GIVEN an organizer account and its sign-in page on a phone
    ensure_organizer(
        console_stack, "kiemtra.matkhau", "dung-mat-khau-1", role="viewer", full_name="Lê Văn Kiểm"
    )
    tab = tabs()
    tab.goto(console_stack.base_url + "admin")
    expect(tab.get_by_role("heading", name="Đăng nhập trang Ban Tổ chức")).to_be_visible()
    assert tab.evaluate("typeof window.uPlot") == "undefined", (
        "the chart library loads with the dashboard only"
    )
    assert_accessible(tab, "the sign-in screen")
    screenshot(tab, "console-01-login")
    # WHEN a wrong password is sent
    tab.get_by_label("Tên đăng nhập").fill("kiemtra.matkhau")
    tab.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
    with tab.expect_response(lambda r: r.url.endswith("/admin/sessions")) as answer:
        tab.get_by_role("button", name="Đăng nhập").click()
    # THEN the server's own Vietnamese message is shown above the form, and focused
    assert answer.value.status == 401
    message = answer.value.json()["error"]["message"]
    assert message == "Tên đăng nhập hoặc mật khẩu không đúng."
    alert = tab.locator(".form-alert")
    expect(alert).to_have_text(message)
    expect(alert).to_be_focused()
    expect(tab.get_by_label("Mật khẩu")).to_have_value("")
    assert_accessible(tab, "the sign-in error")
    screenshot(tab, "console-02-login-error")


# ---- the admin's journey ----------------------------------------------------------------------


def test_admin_creates_a_unit_organizer_moves_closes_reviews_and_publishes_round_1(console_stack, tabs):
    stack = console_stack
    tab = tabs()
    tab.clock.install()  # time flows; the test may jump it to see the 30-second refresh
    console_sign_in(tab, stack, *CONSOLE_ADMIN)

    # GIVEN the admin's first screen: the dashboard with round 1, charts loaded on demand
    expect(tab.get_by_role("heading", name="Tổng quan", exact=True)).to_be_visible()
    labels = console_nav_labels(tab)
    assert labels[:6] + labels[-1:] == [
        "Tổng quan", "Tuần thi", "Không được dự thi", "Người dự thi", "Quản lý tài khoản", "Nhật ký", "Cá nhân",
    ]  # fmt: skip
    # (between them, the screens of their own files, console-<name>.js, e.g. certificates)
    assert "Giấy chứng nhận" in labels[6:-1]
    expect(tab.get_by_label("Tuần thi", exact=True)).to_have_value("r1")
    expect(tab.locator(".chart canvas").first).to_be_attached()
    tiles = tab.locator(".tile-value")
    before = int(tiles.first.inner_text().replace(".", ""))

    # WHEN people take part (one at a person's pace, two too fast, four accounts on one phone)
    people = [new_person(name) for name in ("Hoàng Văn Nam", "Đinh Thị Lan", "Mai Văn Tú", "Lý Thị Hà")]
    for person, unit in zip(people, ("mo-che", "mo-che", "bach-quang", "cai-dan"), strict=True):
        person.unit_id = unit
        person.phone = people[0].phone
    tokens = [register(stack, person) for person in people]
    submit_attempt(stack, tokens[0], "r1", paced=True)
    submit_attempt(stack, tokens[1], "r1")
    submit_attempt(stack, tokens[2], "r1")
    stats = _stats_with(stack, "r1", before + 3)
    # THEN within 30 seconds the dashboard shows them, without a reload
    tab.clock.fast_forward("00:31")
    expect(tiles.first).to_have_text(str(before + 3))
    tab.get_by_text("Bảng số liệu theo phường, xã").click()
    unit_rows = tab.locator(".chart-data table").first.locator("tbody tr")
    expect(unit_rows).to_have_count(len(stats["units"]))
    expect(unit_rows.filter(has_text="Phường Mỏ Chè").locator("td").nth(1)).to_have_text(
        str(stats["per_unit"]["mo-che"])
    )
    assert_accessible(tab, "the dashboard")
    screenshot(tab, "console-03-dashboard")

    # WHEN the admin creates the account of the Mỏ Chè ward office
    console_go(tab, "Quản lý tài khoản")
    form = tab.locator("form").filter(has=tab.get_by_role("button", name="Tạo tài khoản"))
    form.get_by_label("Tên đăng nhập").fill(UNIT_ORGANIZER[0])
    form.get_by_label("Họ và tên").fill("Văn phòng phường Mỏ Chè")
    form.get_by_label("Vai trò").select_option("unit_organizer")
    form.get_by_label("Phường, xã").select_option("mo-che")
    form.get_by_label("Mật khẩu ban đầu").fill(UNIT_ORGANIZER[1])
    form.get_by_role("button", name="Tạo tài khoản").click()
    # THEN it is listed with its role and unit
    expect(tab.locator(".flash")).to_have_text(
        "Đã tạo tài khoản phuongmoche (Văn phòng phường, xã, Phường Mỏ Chè)."
    )
    card = tab.locator(".account").filter(has_text="phuongmoche")
    expect(card).to_contain_text("Văn phòng phường, xã")
    expect(card).to_contain_text("Phường Mỏ Chè")
    assert_accessible(tab, "the accounts screen")
    screenshot(tab, "console-04-accounts")

    # WHEN the admin moves round 1's closing time two hours later
    _, contest = stack.call("GET", "contest")
    round_1 = next(r for r in contest["rounds"] if r["id"] == "r1")
    old_close = datetime.fromisoformat(round_1["closes_at"])
    new_close = old_close.replace(second=0) + timedelta(hours=2)
    new_publish = new_close + timedelta(hours=1)
    console_go(tab, "Tuần thi")
    card = tab.locator(".round-card").filter(has=tab.get_by_role("heading", name=round_1["name"]))
    card.get_by_role("button", name="Đổi thời gian").click()
    card.get_by_label("Giờ đóng").fill(vn_input(new_close))
    card.get_by_label("Giờ công bố kết quả").fill(vn_input(new_publish))
    card.get_by_role("button", name="Xem lại và lưu").click()
    # THEN a confirmation shows each time before and after, in Vietnam time
    dialog = tab.get_by_role("dialog", name=f"Đổi thời gian {round_1['name']}?")
    expect(dialog).to_be_visible()
    closing = dialog.locator("tr").filter(has_text="Giờ đóng")
    expect(closing.locator("td").nth(0)).to_have_text(vn_text(round_1["closes_at"]))
    expect(closing.locator("td").nth(1)).to_have_text(vn_text(new_close.isoformat()))
    expect(dialog.locator("tr").filter(has_text="Giờ mở").locator("td").nth(1)).to_have_text("không đổi")
    assert_accessible(tab, "the confirmation of new round times")
    screenshot(tab, "console-05-move-round-confirm")
    with tab.expect_request(lambda r: r.url.endswith("/admin/rounds/r1") and r.method == "PATCH") as sent:
        dialog.get_by_role("button", name="Xác nhận đổi thời gian").click()
    # AND only the changed times are sent, with the +07:00 offset
    assert set(sent.value.post_data_json) == {"closes_at", "publish_at"}
    assert sent.value.post_data_json["closes_at"].endswith("+07:00")
    expect(tab.locator(".flash")).to_contain_text(f"đóng {vn_text(new_close.isoformat())}")
    _, contest = stack.call("GET", "contest")
    moved = next(r for r in contest["rounds"] if r["id"] == "r1")
    assert datetime.fromisoformat(moved["closes_at"]) == new_close

    # WHEN the admin moves the round to have closed two minutes ago, then closes and ranks it
    now = datetime.now(VIETNAM)
    card = tab.locator(".round-card").filter(has=tab.get_by_role("heading", name=round_1["name"]))
    card.get_by_role("button", name="Đổi thời gian").click()
    card.get_by_label("Giờ mở").fill(vn_input(now - timedelta(hours=3)))
    card.get_by_label("Giờ đóng").fill(vn_input(now - timedelta(minutes=2)))
    card.get_by_label("Giờ công bố kết quả").fill(vn_input(now + timedelta(hours=1)))
    card.get_by_role("button", name="Xem lại và lưu").click()
    tab.get_by_role("dialog").get_by_role("button", name="Xác nhận đổi thời gian").click()
    expect(tab.locator(".flash")).to_contain_text("Đã đổi thời gian")
    card = tab.locator(".round-card").filter(has=tab.get_by_role("heading", name=round_1["name"]))
    card.get_by_role("button", name="Đóng và xếp hạng").click()
    tab.get_by_role("dialog").get_by_role("button", name="Đóng và xếp hạng").click()
    # THEN the ranking preview opens with the outcome, the flags in words
    expect(tab.get_by_role("heading", name=f"Bảng xếp hạng {round_1['name']}")).to_be_visible(timeout=45_000)
    expect(tab.locator(".flash")).to_contain_text(f"Đã đóng và xếp hạng {round_1['name']}")
    winner = tab.locator(".entry").filter(has_text=people[0].full_name)
    expect(winner).to_contain_text("Giải Nhất")
    expect(winner).to_contain_text("Nhiều tài khoản cùng số điện thoại (4)")
    expect(tab.locator(".entry").filter(has_text=people[1].full_name)).to_contain_text("Làm bài quá nhanh")
    assert_accessible(tab, "the ranking preview")
    screenshot(tab, "console-06-ranking")

    # WHEN the admin disqualifies the flagged winner (the full CCCD confirms who), then undoes it
    masked = "*" * 8 + people[0].national_id[-4:]
    winner.get_by_role("button", name=f"Loại khỏi xét giải {masked}").click()
    dialog = tab.get_by_role("dialog", name="Loại khỏi xét giải")
    dialog.get_by_label("Số CCCD đầy đủ của người này").fill(people[1].national_id)
    dialog.get_by_label("Lý do loại").fill("Bốn tài khoản dùng chung một số điện thoại")
    dialog.get_by_role("button", name="Loại khỏi xét giải").click()
    expect(dialog.locator("[data-field='national_id'] .field-error")).to_contain_text(
        f"4 số cuối phải là {people[0].national_id[-4:]}"
    )
    dialog.get_by_label("Số CCCD đầy đủ của người này").fill(people[0].national_id)
    assert_accessible(tab, "the disqualification form")
    screenshot(tab, "console-07-disqualify")
    dialog.get_by_role("button", name="Loại khỏi xét giải").click()
    expect(tab.locator(".flash")).to_have_text(
        f"Đã loại {masked} khỏi xét giải {round_1['name']}. Bảng xếp hạng đã được tính lại."
    )
    winner = tab.locator(".entry").filter(has_text=people[0].full_name)
    expect(winner).to_contain_text(
        "Đã loại khỏi xét giải: Bốn tài khoản dùng chung một số điện thoại (bantochuc"
    )
    expect(winner).not_to_contain_text("Giải Nhất")
    winner.get_by_role("button", name=f"Huỷ loại {masked}").click()
    dialog = tab.get_by_role("dialog", name="Huỷ loại khỏi xét giải")
    dialog.get_by_label("Số CCCD đầy đủ của người này").fill(people[0].national_id)
    dialog.get_by_role("button", name="Huỷ loại").click()
    expect(tab.locator(".flash")).to_contain_text(f"Đã huỷ loại {masked}")
    expect(tab.locator(".entry").filter(has_text=people[0].full_name)).to_contain_text("Giải Nhất")

    # WHEN the admin publishes the results
    tab.get_by_role("button", name="Công bố kết quả").click()
    tab.get_by_role("dialog").get_by_role("button", name="Công bố ngay").click()
    # THEN the console says so and the public results exist
    expect(tab.locator(".flash")).to_contain_text(f"Đã công bố kết quả {round_1['name']} lúc")
    status, results = stack.call("GET", "rounds/r1/results")
    assert status == 200 and results["individual"][0]["national_id_masked"] == masked
    expect(tab.locator(".flash")).to_contain_text(results["sha256"])
    expect(tab.get_by_role("button", name=f"Loại khỏi xét giải {masked}")).to_have_count(0)
    screenshot(tab, "console-08-published")
    # AND the round's card says it is published
    console_go(tab, "Tuần thi")
    expect(tab.locator(".round-card").filter(has_text=round_1["name"])).to_contain_text("Đã công bố kết quả")

    # WHEN the admin opens the audit log, filtered to round actions by bantochuc
    console_go(tab, "Nhật ký")
    tab.get_by_label("Tài khoản thực hiện").fill("bantochuc")
    tab.get_by_label("Thao tác").select_option("round.")
    tab.get_by_role("button", name="Lọc", exact=True).click()
    # THEN it shows who did each step, newest first
    items = tab.locator(".audit-item")
    expect(items.first).to_contain_text("Công bố kết quả")
    steps = [
        "Công bố kết quả",
        "Huỷ loại khỏi xét giải",
        "Loại khỏi xét giải",
        "Đóng và xếp hạng tuần thi",
        "Đổi thời gian tuần thi",
        "Đổi thời gian tuần thi",
    ]
    heads = items.locator(".audit-head strong").all_inner_texts()
    assert heads[: len(steps)] == steps, heads
    for i in range(len(steps)):
        expect(items.nth(i).locator(".audit-actor")).to_have_text("bantochuc")
    expect(items.nth(5)).to_contain_text(
        f"Giờ đóng: {vn_text(round_1['closes_at'])} → {vn_text(new_close.isoformat())}"
    )
    assert_accessible(tab, "the audit log")
    screenshot(tab, "console-09-audit")
    # AND the account's creation is there too, under the account filter
    tab.get_by_label("Thao tác").select_option("organizer.create")
    tab.get_by_role("button", name="Lọc", exact=True).click()
    expect(items.first).to_contain_text("Tạo tài khoản")
    expect(items.first.locator(".audit-target")).to_have_text("phuongmoche")
    expect(items.first.locator(".audit-actor")).to_have_text("bantochuc")


def _stats_with(stack: Stack, round_id: str, attempts: int) -> dict:
    """The live statistics once the stream handler has counted ``attempts``."""
    token = organizer_token(stack, *CONSOLE_ADMIN)
    deadline = datetime.now() + timedelta(seconds=30)
    while True:
        status, stats = stack.call("GET", f"admin/rounds/{round_id}/stats", token=token)
        assert status == 200, stats
        if stats["attempts"] >= attempts or datetime.now() > deadline:
            assert stats["attempts"] == attempts, stats
            return stats


def test_admin_changes_an_accounts_role_resets_its_password_and_locks_it(console_stack, tabs):
    stack = console_stack
    ensure_organizer(stack, "thu.ky", "mat-khau-thu-ky-1", role="viewer", full_name="Phí Thị Ký")
    tab = tabs()
    console_sign_in(tab, stack, *CONSOLE_ADMIN)
    console_go(tab, "Quản lý tài khoản")
    card = tab.locator(".account").filter(has_text="thu.ky")
    # WHEN the admin makes the leadership account a ward office of Phố Cò
    card.get_by_role("button", name="Đổi vai trò, đơn vị của thu.ky").click()
    dialog = tab.get_by_role("dialog", name="Đổi vai trò, đơn vị")
    dialog.get_by_label("Vai trò").select_option("unit_organizer")
    dialog.get_by_role("button", name="Lưu").click()
    expect(dialog.locator("[data-field='unit_id'] .field-error")).to_have_text(
        "Hãy chọn phường, xã của văn phòng."
    )
    dialog.get_by_label("Phường, xã").select_option("pho-co")
    assert_accessible(tab, "the role dialog")
    screenshot(tab, "console-16-account-role")
    dialog.get_by_role("button", name="Lưu").click()
    # THEN the card says so
    expect(tab.locator(".flash")).to_have_text("Đã đổi thu.ky thành Văn phòng phường, xã (Phường Phố Cò).")
    card = tab.locator(".account").filter(has_text="thu.ky")
    expect(card).to_contain_text("Phường Phố Cò")
    # WHEN the admin resets its password (a short one is refused first, in the dialog)
    card.get_by_role("button", name="Đặt lại mật khẩu của thu.ky").click()
    dialog = tab.get_by_role("dialog", name="Đặt lại mật khẩu")
    dialog.get_by_label("Mật khẩu mới").fill("ngan")
    dialog.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(dialog.locator(".field-error")).to_contain_text("ít nhất 10 ký tự")
    dialog.get_by_label("Mật khẩu mới").fill("mat-khau-moi-thu-ky")
    dialog.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(tab.locator(".flash")).to_have_text("Đã đặt lại mật khẩu của thu.ky.")
    assert organizer_token(stack, "thu.ky", "mat-khau-moi-thu-ky")
    # WHEN the admin locks the account THEN it cannot sign in; unlocking lets it in again
    tab.locator(".account").filter(has_text="thu.ky").get_by_role(
        "button", name="Khoá tài khoản thu.ky"
    ).click()
    tab.get_by_role("dialog").get_by_role("button", name="Khoá tài khoản").click()
    expect(tab.locator(".flash")).to_have_text("Đã khoá tài khoản thu.ky.")
    expect(tab.locator(".account").filter(has_text="thu.ky")).to_contain_text("Đã khoá")
    status, _ = stack.call(
        "POST", "admin/sessions", {"username": "thu.ky", "password": "mat-khau-moi-thu-ky"}
    )
    assert status == 401
    tab.locator(".account").filter(has_text="thu.ky").get_by_role(
        "button", name="Mở khoá tài khoản thu.ky"
    ).click()
    tab.get_by_role("dialog").get_by_role("button", name="Mở khoá").click()
    expect(tab.locator(".flash")).to_have_text("Đã mở khoá tài khoản thu.ky.")
    assert organizer_token(stack, "thu.ky", "mat-khau-moi-thu-ky")
    # AND a name already taken is refused next to the field, in the server's words
    form = tab.locator("form").filter(has=tab.get_by_role("button", name="Tạo tài khoản"))
    form.get_by_label("Tên đăng nhập").fill("thu.ky")
    form.get_by_label("Họ và tên").fill("Người khác")
    form.get_by_label("Vai trò").select_option("viewer")
    form.get_by_label("Mật khẩu ban đầu").fill("mat-khau-khac-123")
    form.get_by_role("button", name="Tạo tài khoản").click()
    expect(form.locator("[data-field='username'] .field-error")).to_have_text(
        "Tên đăng nhập này đã có người dùng."
    )


# ---- other roles --------------------------------------------------------------------------------


def test_unit_organizer_sees_only_its_own_wards_figures(console_stack, tabs):
    stack = console_stack
    ensure_organizer(
        stack, *UNIT_ORGANIZER, role="unit_organizer", full_name="Văn phòng phường Mỏ Chè", unit_id="mo-che"
    )
    token = organizer_token(stack, *UNIT_ORGANIZER)
    status, stats = stack.call("GET", "admin/rounds/r1/stats", token=token)
    assert status == 200 and stats["units"] == ["mo-che"], stats
    # WHEN the ward office signs in on a phone
    tab = tabs()
    console_sign_in(tab, stack, *UNIT_ORGANIZER)
    # THEN its navigation holds only what its role permits
    assert console_nav_labels(tab) == ["Tổng quan", "Người dự thi", "Tham gia", "Xuất Excel", "Cá nhân"]
    expect(tab.get_by_text("Bạn xem số liệu của Phường Mỏ Chè.")).to_be_visible()
    tab.get_by_label("Tuần thi", exact=True).select_option("r1")
    # AND its dashboard shows its own ward only
    expect(tab.locator(".tile-value").first).to_have_text(str(stats["attempts"]))
    tab.get_by_text("Bảng số liệu theo phường, xã").click()
    rows = tab.locator(".chart-data table").first.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("Phường Mỏ Chè")
    expect(rows.first.locator("td").nth(1)).to_have_text(str(stats["per_unit"]["mo-che"]))
    expect(tab.get_by_role("radio", name="Điểm trung bình")).to_have_count(0)  # one bar: no metric switch
    assert_accessible(tab, "the ward office's dashboard")
    screenshot(tab, "console-10-unit-dashboard")
    # AND a screen of another role says it is not allowed
    tab.goto(stack.base_url + "admin#/tuan-thi")
    expect(tab.get_by_role("alert")).to_have_text("Tài khoản của bạn không được dùng chức năng này.")
    # AND the menu on a phone is keyboard-reachable and lists the same screens
    tab.goto(stack.base_url + "admin#/tong-quan")
    expect(tab.locator(".tile-value").first).to_be_visible()
    tab.locator("#menu-toggle").click()
    expect(tab.locator("#menu-toggle")).to_have_attribute("aria-expanded", "true")
    expect(tab.locator("#nav-list a").first).to_be_focused()
    assert_accessible(tab, "the open menu")
    screenshot(tab, "console-11-menu")
    tab.keyboard.press("Escape")
    expect(tab.locator("#menu-toggle")).to_be_focused()


@pytest.mark.parametrize(
    ("role", "screens", "home"),
    [
        ("viewer", ["Tổng quan", "Cá nhân"], "Tổng quan"),
        # question bank (issue 10): the editor's screens, its home the bank
        ("editor", ["Ngân hàng câu hỏi", "Thống kê câu hỏi", "Cá nhân"], "Ngân hàng câu hỏi"),
    ],
)
def test_navigation_shows_only_what_each_role_permits(console_stack, tabs, role, screens, home):
    username = f"thu.{role}"
    ensure_organizer(console_stack, username, "mat-khau-thu-1", role=role, full_name="Người Biên Soạn")
    tab = tabs()
    console_sign_in(tab, console_stack, username, "mat-khau-thu-1")
    assert console_nav_labels(tab) == screens
    expect(tab.locator("h1")).to_have_text(home)


# ---- exclusion list, release of a CCCD ------------------------------------------------------------


def test_exclusion_list_add_and_remove_with_reason_and_automatic_entries(console_stack, tabs):
    stack = console_stack
    # GIVEN an organizer account tied to a CCCD (so excluded automatically)
    member = new_person("Trịnh Văn Biên")
    ensure_organizer(
        stack,
        "bien.soan",
        "mat-khau-bien-1",
        role="editor",
        full_name="Trịnh Văn Biên",
        national_id=member.national_id,
    )
    outsider = new_person("Phan Thị Kỹ")
    tab = tabs()
    console_sign_in(tab, stack, *CONSOLE_ADMIN)
    console_go(tab, "Không được dự thi")
    # WHEN the admin adds a technical staff member with a reason
    tab.get_by_label("Số CCCD").fill(outsider.national_id[:11])
    tab.get_by_label("Lý do").fill("Bộ phận kỹ thuật")
    tab.get_by_role("button", name="Thêm vào danh sách").click()
    expect(tab.locator("[data-field='national_id'] .field-error")).to_contain_text("12 chữ số")
    tab.get_by_label("Số CCCD").fill(outsider.national_id)
    tab.get_by_role("button", name="Thêm vào danh sách").click()
    masked = "*" * 8 + outsider.national_id[-4:]
    expect(tab.locator(".flash")).to_have_text(f"Đã thêm {masked} vào danh sách không được dự thi.")
    # THEN both are listed; the account's entry is marked and cannot be removed here
    rows = tab.locator("table tbody tr")
    manual = rows.filter(has_text=masked)
    expect(manual).to_contain_text("Bộ phận kỹ thuật")
    expect(manual).to_contain_text("Thêm thủ công")
    automatic = rows.filter(has_text="*" * 8 + member.national_id[-4:])
    expect(automatic).to_contain_text("Tài khoản Ban Tổ chức")
    expect(automatic).to_contain_text("bien.soan")
    expect(automatic.get_by_role("button")).to_have_count(0)
    assert_accessible(tab, "the exclusion list")
    screenshot(tab, "console-12-exclusions")
    # WHEN the admin removes the manual entry (after confirming)
    manual.get_by_role("button", name="Xoá khỏi danh sách").click()
    tab.get_by_role("dialog").get_by_role("button", name="Xoá khỏi danh sách").click()
    expect(tab.locator(".flash")).to_have_text(f"Đã xoá {masked} khỏi danh sách không được dự thi.")
    expect(rows.filter(has_text=masked)).to_have_count(0)
    # AND the organizer tied to a CCCD reads why they may not take part
    other = tabs()
    console_sign_in(other, stack, "bien.soan", "mat-khau-bien-1")
    console_go(other, "Cá nhân")  # an editor starts on the question bank
    expect(other.locator(".note-warn")).to_have_text(EXCLUDED_NOTE)


def test_release_of_a_registration_gives_the_cccd_back(console_stack, tabs):
    stack = console_stack
    # GIVEN someone registered with another person's CCCD in Mỏ Chè
    person: Person = new_person("Đặng Văn Mượn")
    token = register(stack, person)
    tab = tabs()
    console_sign_in(tab, stack, *CONSOLE_ADMIN)
    console_go(tab, "Người dự thi")
    # WHEN the admin releases it with a reason, after confirming
    tab.get_by_label("Số CCCD bị đăng ký nhầm").fill(person.national_id)
    tab.get_by_label("Lý do").fill("Đã kiểm tra CCCD bản gốc của người chủ thẻ")
    tab.get_by_role("button", name="Huỷ đăng ký, trả lại CCCD").click()
    dialog = tab.get_by_role("dialog", name="Huỷ đăng ký này?")
    assert_accessible(tab, "the release confirmation")
    dialog.get_by_role("button", name="Huỷ đăng ký").click()
    # THEN the console says whose registration ended and the old token stops working
    masked = "*" * 8 + person.national_id[-4:]
    expect(tab.locator(".flash")).to_have_text(
        f"Đã huỷ đăng ký dùng CCCD {masked} (Phường Mỏ Chè). Người chủ thẻ có thể đăng ký dự thi."
    )
    assert stack.call("GET", "me", token=token)[0] == 401
    assert_accessible(tab, "the participants screen")
    screenshot(tab, "console-13-release")
    # AND a second release of the same CCCD shows the server's refusal next to the field
    tab.get_by_label("Số CCCD bị đăng ký nhầm").fill(person.national_id)
    tab.get_by_label("Lý do").fill("Lần nữa")
    tab.get_by_role("button", name="Huỷ đăng ký, trả lại CCCD").click()
    tab.get_by_role("dialog").get_by_role("button", name="Huỷ đăng ký").click()
    expect(tab.locator("[data-field='national_id'] .field-error")).to_contain_text(
        "Không tìm thấy người dự thi có số CCCD này."
    )


# ---- own account, session ---------------------------------------------------------------------------


def test_change_own_password_then_sign_out_and_in_again(console_stack, tabs):
    stack = console_stack
    ensure_organizer(stack, "doi.matkhau", "mat-khau-cu-123", role="viewer", full_name="Ngô Văn Đổi")
    tab = tabs()
    console_sign_in(tab, stack, "doi.matkhau", "mat-khau-cu-123")
    console_go(tab, "Cá nhân")
    # WHEN the current password is wrong THEN the server's message is next to that field
    tab.get_by_label("Mật khẩu hiện tại").fill("khong-phai-mat-khau")
    tab.get_by_label("Mật khẩu mới", exact=True).fill("mat-khau-moi-456")
    tab.get_by_label("Nhập lại mật khẩu mới").fill("mat-khau-moi-456")
    tab.get_by_role("button", name="Đổi mật khẩu").click()
    expect(tab.locator("[data-field='current_password'] .field-error")).to_contain_text(
        "Mật khẩu hiện tại không đúng."
    )
    expect(tab.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()  # still signed in
    assert_accessible(tab, "the own-account screen")
    screenshot(tab, "console-14-own-account")
    # WHEN it is right THEN the password changes and the new token is kept
    old_token = tab.evaluate(f"JSON.parse(localStorage.getItem('{CONSOLE_SESSION_KEY}')).token")
    tab.get_by_label("Mật khẩu hiện tại").fill("mat-khau-cu-123")
    tab.get_by_role("button", name="Đổi mật khẩu").click()
    expect(tab.locator(".flash")).to_contain_text("Đã đổi mật khẩu.")
    new_token = tab.evaluate(f"JSON.parse(localStorage.getItem('{CONSOLE_SESSION_KEY}')).token")
    assert new_token != old_token
    assert stack.call("GET", "admin/me", token=old_token)[0] == 401
    # WHEN they sign out THEN the session ends and signing in takes the new password
    console_go(tab, "Cá nhân")
    tab.locator("main").get_by_role("button", name="Đăng xuất").click()
    expect(tab.locator(".flash")).to_have_text("Bạn đã đăng xuất.")
    assert tab.evaluate(f"localStorage.getItem('{CONSOLE_SESSION_KEY}')") is None
    assert stack.call("GET", "admin/me", token=new_token)[0] == 401
    console_sign_in(tab, stack, "doi.matkhau", "mat-khau-moi-456")
    expect(tab.get_by_role("heading", name="Tổng quan", exact=True)).to_be_visible()


def test_session_survives_a_reload_and_ends_at_its_expiry_with_a_clear_message(console_stack, tabs):
    stack = console_stack
    ensure_organizer(stack, "het.han", "mat-khau-het-1", role="viewer", full_name="Vũ Văn Hạn")
    tab = tabs()
    tab.clock.install()
    console_sign_in(tab, stack, "het.han", "mat-khau-het-1")
    session = tab.evaluate(f"JSON.parse(localStorage.getItem('{CONSOLE_SESSION_KEY}'))")
    assert session["token"] and session["expires_at"].endswith("+07:00")
    # WHEN the page is reloaded THEN the organizer is still signed in
    tab.reload()
    expect(tab.get_by_role("heading", name="Tổng quan", exact=True)).to_be_visible()
    # WHEN the session's time is up THEN the console says so and asks to sign in again
    left = datetime.fromisoformat(session["expires_at"]) - datetime.now(VIETNAM)
    seconds = int(left.total_seconds()) + 5
    tab.clock.fast_forward(f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}")
    expect(tab.get_by_role("heading", name="Đăng nhập trang Ban Tổ chức")).to_be_visible()
    expect(tab.get_by_role("alert").filter(has_text=EXPIRED)).to_be_visible()
    assert tab.evaluate(f"localStorage.getItem('{CONSOLE_SESSION_KEY}')") is None
    screenshot(tab, "console-15-session-expired")


def test_a_session_ended_elsewhere_sends_back_to_sign_in_with_the_message(console_stack, tabs):
    stack = console_stack
    ensure_organizer(stack, "noi.khac", "mat-khau-khac-1", role="viewer", full_name="Bùi Văn Khác")
    tab = tabs()
    console_sign_in(tab, stack, "noi.khac", "mat-khau-khac-1")
    # WHEN the account signs out on another device (every session of the account ends)
    other = organizer_token(stack, "noi.khac", "mat-khau-khac-1")
    assert stack.call("DELETE", "admin/sessions", token=other)[0] == 200
    # THEN the next screen that asks the API sends this tab to sign in, with the message
    # (by the address, not the menu: a refresh that already met the 401 may have removed it)
    console_go(tab, "Cá nhân")
    tab.evaluate("location.hash = '#/tong-quan'")
    expect(tab.get_by_role("alert").filter(has_text=EXPIRED)).to_be_visible()
    # AND after signing in again it returns to where it was
    tab.get_by_label("Tên đăng nhập").fill("noi.khac")
    tab.get_by_label("Mật khẩu").fill("mat-khau-khac-1")
    tab.get_by_role("button", name="Đăng nhập").click()
    expect(tab.get_by_role("heading", name="Tổng quan", exact=True)).to_be_visible()
    assert tab.url.endswith("#/tong-quan")


# ---- audit paging ---------------------------------------------------------------------------------


def test_audit_log_pages_fifty_events_at_a_time(console_stack, tabs):
    stack = console_stack
    token = organizer_token(stack, *CONSOLE_ADMIN)
    # GIVEN more than a page of exclusion changes
    for i in range(28):
        national_id = f"001099{900000 + i:06d}"
        added = stack.call(
            "POST", "admin/exclusions", {"national_id": national_id, "reason": "Thử"}, token=token
        )
        assert added[0] == 201, added
        assert stack.call("DELETE", f"admin/exclusions/{national_id}", token=token)[0] == 200
    total = _audit_count(stack, token, "exclusions.")
    assert total >= 56
    tab = tabs()
    console_sign_in(tab, stack, *CONSOLE_ADMIN)
    console_go(tab, "Nhật ký")
    tab.get_by_label("Thao tác").select_option("exclusions.")
    tab.get_by_role("button", name="Lọc", exact=True).click()
    items = tab.locator(".audit-item")
    # THEN 50 come first, newest first, and "Xem thêm" brings the next ones
    expect(items).to_have_count(50)
    expect(items.first).to_contain_text("Xoá khỏi danh sách không được dự thi")
    expect(tab.get_by_text("Đang hiện 50 sự kiện, mới nhất trước.")).to_be_visible()
    tab.get_by_role("button", name="Xem thêm").click()
    expect(items).to_have_count(min(total, 100), timeout=15_000)
    expect(items.nth(50)).to_be_focused()
    if total <= 100:
        expect(tab.get_by_role("button", name="Xem thêm")).to_be_hidden()
    # AND an actor with no events shows an empty list, in words
    tab.get_by_label("Tài khoản thực hiện").fill("khong.ai")
    tab.get_by_role("button", name="Lọc", exact=True).click()
    expect(tab.get_by_text("Không có sự kiện nào.")).to_be_visible()
    expect(items).to_have_count(0)


def _audit_count(stack: Stack, token: str, action: str) -> int:
    total, cursor = 0, None
    while True:
        path = "admin/audit?" + urlencode({"action": action, **({"before": cursor} if cursor else {})})
        status, page = stack.call("GET", path, token=token)
        assert status == 200, page
        total += len(page["events"])
        cursor = page["next"]
        if not cursor:
            return total
