"""Fixtures for the real-browser tests.

One headless Chromium for all of tests/browser, a fresh browser context (cookies, storage) for each
test, and the three-user data set of tests/conftest.py written where the live server can see it.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import ThreeUsers, build_three, tool_missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = f"Chromium not found at {CHROMIUM}; install it with apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots for people to look at (and of any failing page); gitignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the browser tests (package scope: stopped when they are done)."""
    if not CHROMIUM.exists():
        tool_missing(CHROMIUM_MISSING)
    # Playwright's sync API runs an asyncio event loop in this (the test) thread from start() to
    # stop(). It only turns while a Playwright call is waiting, but to Django a loop is "running"
    # in the thread the whole time, so every ORM call made by test code or fixtures meanwhile
    # (pytest-django's flush between tests included) raises SynchronousOnlyOperation. Those calls
    # are plain synchronous code that never overlaps with the loop's work, so the check is a false
    # alarm here and we switch it off, for exactly as long as Playwright runs. Not at import time:
    # that would last the whole session, hide real async-safety errors in other tests, and leak
    # into subprocesses (`anagen check --deploy` in tests/test_settings.py fails with async.E001).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def context(browser: Browser, live_server: Any) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page that fails the test on a JavaScript error or a missing static file, and leaves a
    screenshot in test-artifacts/ when the test fails."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console.error: {msg.text}")
            # 4xx answers (a form with errors) are logged by Chromium; the static check covers
            # the ones that matter.
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} for {response.url}")
            if response.status >= 400 and "/static/" in response.url
            else None
        ),
    )
    yield page
    if request.node.stash.get(_CALL_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"failed-{request.node.name}.png", full_page=True)
    if problems:
        pytest.fail("The page reported problems:\n" + "\n".join(problems))


@pytest.fixture
def live_three(transactional_db: Any) -> ThreeUsers:
    """tests/conftest.py's `three`, committed so the live server's threads can read it."""
    return build_three()
