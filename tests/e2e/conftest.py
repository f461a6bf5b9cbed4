"""Fixtures of the e2e tests: the real app (tests/stack.py: ``chalice local`` over an in-memory
DynamoDB Local, seeded from question_data/, schedules only on demand), round 1 opened now through
the admin API, and the page in a headless Debian Chromium driven by Playwright.

Set ``E2E_BASE_URL`` to test an app that is already running instead: a fresh one
(``scripts/local_stack.py --in-memory --tick-seconds 0``), since the tests move and publish
rounds, with its admin token in ``E2E_ADMIN_TOKEN``. Without
``/usr/bin/chromium`` or ``java`` the tests are skipped, unless ``E2E_REQUIRED=1`` (CI) turns
that into a failure.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, MOBILE, Stack, missing

CLOSES_ROUND_1 = "closes_round_1"


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", f"{CLOSES_ROUND_1}: closes round 1, which the other journeys need open; runs after them"
    )


def pytest_collection_modifyitems(items) -> None:
    """The stack lives for the whole run and a closed round never reopens, so a test that
    closes round 1 runs last (a stable sort: every other test keeps its place)."""
    items.sort(key=lambda item: item.get_closest_marker(CLOSES_ROUND_1) is not None)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    base_url = os.environ.get("E2E_BASE_URL")
    if base_url:
        yield _checked(Stack(base_url.rstrip("/") + "/"))
        return
    if not shutil.which("java"):
        missing("java for DynamoDB Local (make system-deps)")
    from tests.stack import running_stack

    with running_stack(name="e2e") as local:
        yield _checked(Stack(local.base_url + "/", admin_token=local.admin_token, log_path=local.log_path))


def _checked(running: Stack) -> Stack:
    """The app must serve the page itself, and round 1 must be open for the journeys."""
    try:
        with urllib.request.urlopen(running.base_url, timeout=10) as response:
            page_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        page_type = f"HTTP {error.code}"
    assert page_type.startswith("text/html"), (
        f"GET / answered {page_type!r}: app.py must register chalicelib.routes.web.web_routes"
    )
    running.open_round("r1")
    return running


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing(f"Debian's chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _tab(browser, **context_options):
    """A fresh phone-sized tab (own localStorage) that fails the test on any script error,
    a blocked resource (CSP) included."""
    context = browser.new_context(
        viewport=MOBILE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context_options
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message) -> None:
        # API refusals (404 RESULTS_NOT_PUBLISHED, 409 ATTEMPT_CLOSED) are expected and shown.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    tab.on("console", on_console)
    yield tab
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def page(browser, stack):
    yield from _tab(browser)


@pytest.fixture
def axe_page(browser, stack):
    """Like ``page``, but the Content-Security-Policy lets Playwright inject axe-core inline."""
    yield from _tab(browser, bypass_csp=True)
