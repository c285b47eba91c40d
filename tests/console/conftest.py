"""Browser tests of the admin console: Debian's Chromium, driven by Playwright, against the
real stack (tests/conftest.py). One browser per test session, a fresh context per test.

Screenshots are taken by the tests; they land in docs/console/ only when
UPDATE_CONSOLE_SCREENSHOTS=1 (so an ordinary run leaves the checkout untouched).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.console.browser import CHROMIUM, CSP_VIOLATION, DESKTOP, DOCS_SCREENSHOTS

BROWSER_FIXTURES = {"page", "context", "new_context", "browser"}


def pytest_collection_modifyitems(items):
    """Browser tests run last. From its first use to the end of the session, Playwright's sync
    API leaves its event loop marked as running in this thread, and pytest-asyncio cannot
    start an async test while it is. (A stable sort: the order within each group holds.)"""
    items.sort(key=lambda item: bool(BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))))


@pytest.fixture(scope="session")
def playwright(stack, playwright):
    """The stack first, so it is torn down after Playwright: its clean-up runs asyncio.run(),
    which refuses to start while Playwright's own loop is running in this thread."""
    return playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/test does it when run as root)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def base_url(stack) -> str:
    return stack.base_url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB", "timezone_id": "UTC"}


@pytest.fixture
def page(context) -> Page:
    """A page that fails its test on any uncaught script error or CSP violation."""
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("console", lambda message: problems.append(message.text) if CSP_VIOLATION in message.text else None)
    yield page
    assert problems == []


@pytest.fixture
def screenshot(tmp_path):
    def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        folder = DOCS_SCREENSHOTS if os.environ.get("UPDATE_CONSOLE_SCREENSHOTS") == "1" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
