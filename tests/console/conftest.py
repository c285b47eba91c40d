"""Browser tests of the admin console: Debian's Chromium, driven by Playwright, against the
real stack (tests/conftest.py). One browser per test session, a fresh context per test.

Screenshots are taken by the tests; they land in docs/console/ only when
UPDATE_CONSOLE_SCREENSHOTS=1 (so an ordinary run leaves the checkout untouched).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ADMIN_PASSWORD

CHROMIUM = Path(os.environ.get("CONSOLE_CHROMIUM", "/usr/bin/chromium"))
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
# Chromium says so in the console when a page breaks its Content-Security-Policy.
CSP_VIOLATION = "Content Security Policy"


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


def sign_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/admin")
    page.get_by_label("Email or username").fill(identifier)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_as_admin(page: Page) -> None:
    sign_in(page, "root", ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
