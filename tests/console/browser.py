"""What the browser tests share besides their fixtures: where Chromium is, the viewports,
and signing in through the console's own form."""

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support import ADMIN_PASSWORD

CHROMIUM = Path(os.environ.get("CONSOLE_CHROMIUM", "/usr/bin/chromium"))
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "console"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
# Chromium says so in the console when a page breaks its Content-Security-Policy.
CSP_VIOLATION = "Content Security Policy"


def sign_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/admin")
    page.get_by_label("Email or username").fill(identifier)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_in_as_admin(page: Page) -> None:
    sign_in(page, "root", ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
