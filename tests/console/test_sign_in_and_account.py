"""Signing in (with MFA), staying signed in, what each role is shown, and "my account"."""

import re
import time

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.console.browser import PHONE, sign_in, sign_in_as_admin
from tests.support import ADMIN_PASSWORD, USER_PASSWORD, login

NEW_PASSWORD = "N3w!passw0rd"


def nav_links(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


def test_sign_in_works_from_the_keyboard_alone(page, screenshot):
    page.goto("/admin")
    expect(page.get_by_label("Email or username")).to_be_focused()
    screenshot(page, "sign-in")
    page.keyboard.type("root")
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_focused()
    assert nav_links(page) == ["Dashboard", "Users", "Clients", "Audit log", "Sign-in providers", "My account"]


def test_a_wrong_password_shows_the_apis_message_and_request_id(page):
    with page.expect_response("**/v1/auth/login") as answer:
        sign_in(page, "root", "Wrong!pass1")
    error = answer.value.json()["error"]
    alert = page.get_by_role("alert")
    expect(alert.locator(".error-message")).to_have_text(error["message"])
    expect(alert.locator(".error-code")).to_have_text("INVALID_CREDENTIALS")
    expect(alert.locator(".request-id")).to_have_text(error["request_id"])


def test_a_moderator_is_offered_what_a_moderator_may_do_and_nothing_more(page, make_user, admin):
    moderator, _ = make_user("moderator")
    other_moderator, _ = make_user("moderator")
    user, _ = make_user()
    root = admin.get("/v1/auth/me").json()
    sign_in(page, moderator["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    assert nav_links(page) == ["Users", "My account"]
    expect(page.get_by_role("button", name="New user")).to_have_count(0)

    page.goto(f"/admin#/users/{root['id']}")  # an admin: a moderator may only look
    expect(page.get_by_role("heading", name="root", level=1)).to_be_visible()
    expect(page.get_by_label("Last name")).to_have_attribute("readonly", "")
    for name in ("Save changes", "Deactivate", "Change role", "Delete user"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)

    page.goto(f"/admin#/users/{other_moderator['id']}")  # other staff: only look
    expect(page.get_by_role("heading", name=other_moderator["username"], level=1)).to_be_visible()
    expect(page.get_by_label("Last name")).to_have_attribute("readonly", "")
    for name in ("Save changes", "Deactivate"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)

    page.goto(f"/admin#/users/{user['id']}")  # a user: names, phone and activation, not role or deletion
    expect(page.get_by_role("heading", name=user["username"], level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    for label in ("Username", "Email"):  # a new address would take the account over
        expect(page.get_by_label(label)).to_have_attribute("readonly", "")
    expect(page.get_by_label("Last name")).not_to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Deactivate")).to_be_visible()
    for name in ("Change role", "Delete user", "Reset MFA"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("region", name="Audit trail")).to_have_count(0)
    # A plain user's sessions: seen and ended all at once, not revoked one by one (an admin's).
    sessions = page.get_by_role("region", name="Sessions", exact=True)
    expect(sessions.get_by_role("button", name="End all sessions")).to_be_visible()
    expect(sessions.get_by_role("button", name="Revoke")).to_have_count(0)


def test_a_plain_user_is_offered_their_own_account_only(page, make_user):
    user, _ = make_user()
    sign_in(page, user["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    assert nav_links(page) == ["My account"]


def test_the_access_token_is_refreshed_before_it_expires(page):
    page.clock.install()
    with page.expect_request("**/v1/auth/me") as first:
        sign_in_as_admin(page)
    with page.expect_response("**/v1/auth/refresh") as refreshed:
        page.clock.fast_forward("14:30")  # access tokens live 15 minutes; renewal is due a minute before
    assert refreshed.value.status == 200
    with page.expect_request("**/v1/auth/sessions") as later:
        page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("region", name="Your sessions").get_by_text("this browser")).to_be_visible()
    assert later.value.headers["authorization"] != first.value.headers["authorization"]


def test_changing_the_password_ends_the_other_sessions(page, make_user, stack):
    user, elsewhere = make_user()
    sign_in(page, user["username"], USER_PASSWORD)
    form = page.get_by_role("form", name="Change your password")
    form.get_by_label("Current password").fill(USER_PASSWORD)
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed. Your other sessions were signed out.")).to_be_visible()
    assert elsewhere.get("/v1/auth/me").status_code == 401
    login(stack.base_url, NEW_PASSWORD, username=user["username"])


def test_my_sessions_mark_this_browser_and_revoke_another(page, make_user, screenshot):
    user, elsewhere = make_user()
    sign_in(page, user["username"], USER_PASSWORD)
    sessions = page.get_by_role("region", name="Your sessions")
    expect(sessions.locator("tbody tr")).to_have_count(2)
    expect(sessions.locator("tbody tr").filter(has_text="this browser")).to_have_count(1)
    screenshot(page, "account")
    sessions.locator("tbody tr").filter(has_not_text="this browser").get_by_role("button", name="Revoke").click()
    expect(sessions.locator("tbody tr")).to_have_count(1)
    assert elsewhere.get("/v1/auth/me").status_code == 401


def test_enrolling_totp_then_signing_in_with_a_code(page, make_user, admin, screenshot):
    user, _ = make_user(verified=True)
    sign_in(page, user["username"], USER_PASSWORD)
    mfa = page.get_by_role("region", name="Two-factor authentication")
    mfa.get_by_label("Your password").fill(USER_PASSWORD)
    mfa.get_by_role("button", name="Set up an authenticator app").click()
    expect(mfa.get_by_role("img", name="QR code of your authenticator key")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml")
    )
    totp = pyotp.TOTP(mfa.locator("[data-secret]").inner_text().replace(" ", ""))
    screenshot(page, "account-mfa-enrol")
    mfa.get_by_label("Code from the app").fill(totp.now())
    mfa.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(mfa.locator(".recovery-codes li")).to_have_count(10)
    screenshot(page, "account-mfa-recovery-codes")
    mfa.get_by_role("button", name="I have stored them").click()
    expect(mfa.locator(".recovery-codes")).to_have_count(0)
    expect(mfa).to_contain_text("Two-factor authentication is on.")
    assert admin.get(f"/v1/users/{user['id']}").json()["mfa_enabled"] is True

    page.get_by_role("button", name="Sign out", exact=True).click()
    sign_in(page, user["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()
    screenshot(page, "sign-in-mfa")
    # The code of the confirmation step is spent; the next step's is accepted (RFC 6238 window).
    page.get_by_label("Authentication code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()


def test_an_admin_resets_a_users_mfa(page, make_user, admin, stack):
    user, their_api = make_user(verified=True)
    secret = their_api.post("/v1/auth/mfa/totp", json={"password": USER_PASSWORD}).json()["secret"]
    confirmed = their_api.post("/v1/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.text
    sign_in_as_admin(page)
    page.goto(f"/admin#/users/{user['id']}")
    page.get_by_role("button", name="Reset MFA").click()
    page.get_by_role("dialog").get_by_role("button", name="Reset MFA").click()
    expect(page.locator("main .notice")).to_have_text("MFA was reset.")
    assert admin.get(f"/v1/users/{user['id']}").json()["mfa_enabled"] is False
    answer = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}
    )
    assert "access_token" in answer.json()


@pytest.mark.browser_context_args(viewport=PHONE)
def test_the_console_fits_a_phone_screen(page, admin, screenshot):
    sign_in_as_admin(page)
    expect(page.locator("table.data tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "users-phone", full_page=False)
    page.locator("table.data tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("region", name="Profile")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
