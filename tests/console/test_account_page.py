"""My account for every user: a plain user signing in to /admin gets their profile, password,
TOTP, security mails and sessions, and none of the admin screens; staff see a user's sessions
from GET /v1/users/{id}/sessions and end them all."""

import httpx
from playwright.sync_api import expect

from tests.console.browser import sign_in, sign_in_as_admin
from tests.support import USER_PASSWORD, Api, login


def _nav(page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


def test_a_plain_user_gets_my_account_and_none_of_the_admin_screens(page, make_user, admin, stack, screenshot):
    user, _ = make_user()
    elsewhere = login(stack.base_url, USER_PASSWORD, username=user["username"])
    sign_in(page, user["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    assert _nav(page) == ["My account"]
    for region in ("Profile", "Password", "Two-factor authentication", "Security mails", "Your sessions"):
        expect(page.get_by_role("region", name=region, exact=True)).to_be_visible()
    screenshot(page, "account-plain-user")

    # No admin screen, even typed in.
    for elsewhere_path in ("#/users", "#/audit", "#/clients", f"#/users/{user['id']}"):
        page.goto(f"/admin{elsewhere_path}")
        expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
        expect(page).to_have_url(f"{stack.base_url}/admin#/account")

    # The profile, edited in place (PATCH with If-Match).
    profile = page.get_by_role("region", name="Profile", exact=True)
    expect(profile.get_by_label("Last name")).to_have_value("User")
    profile.get_by_label("Last name").fill("Renamed")
    profile.get_by_role("button", name="Save changes").click()
    expect(page.locator(".notices").get_by_text("Saved.")).to_be_visible()
    assert admin.get(f"/v1/users/{user['id']}").json()["last_name"] == "Renamed"

    # The new-sign-in mail, turned off and on.
    mails = page.get_by_role("region", name="Security mails")
    switch = mails.get_by_label("Mail me when my account is signed in to from a new device and network")
    expect(switch).to_be_checked()
    with page.expect_response("**/v1/auth/notifications") as answer:
        switch.uncheck()
    assert answer.value.json() == {"new_sign_in": False}
    assert elsewhere.get("/v1/auth/notifications").json() == {"new_sign_in": False}
    switch.check()
    expect(switch).to_be_checked()

    # Sessions: sign out every other one; this browser stays signed in.
    sessions = page.get_by_role("region", name="Your sessions")
    expect(sessions.locator("tbody tr")).to_have_count(3)  # make_user's, `elsewhere`, this browser
    sessions.get_by_role("button", name="Sign out other sessions").click()
    expect(sessions.locator("tbody tr")).to_have_count(1)
    expect(sessions.locator("tbody tr")).to_contain_text("this browser")
    expect(sessions).to_contain_text("No other sessions.")
    assert elsewhere.get("/v1/auth/me").status_code == 401
    page.reload()  # tokens live in memory only: signed out, sign in again
    sign_in(page, user["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()


def test_an_admin_sees_how_each_session_ended_revokes_one_and_ends_them_all(page, make_user, stack, screenshot):
    user, first = make_user()
    second = login(stack.base_url, USER_PASSWORD, username=user["username"])
    third = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}
    ).json()
    assert Api(stack.base_url, third["access_token"]).post("/v1/auth/logout").status_code == 204
    sign_in_as_admin(page)
    page.goto(f"/admin#/users/{user['id']}")
    sessions = page.get_by_role("region", name="Sessions", exact=True)
    expect(sessions.locator("tbody tr")).to_have_count(3)
    expect(sessions.locator("tbody tr").filter(has_text="signed out")).to_have_count(1)
    expect(sessions.locator("tbody tr").filter(has_text="live")).to_have_count(2)
    sessions.locator("tbody tr").filter(has_text="live").first.get_by_role("button", name="Revoke").click()
    expect(sessions.locator("tbody tr").filter(has_text="revoked")).to_have_count(1)
    screenshot(page, "user-sessions")

    sessions.get_by_role("button", name="End all sessions").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"End every session of {user['username']}?")
    dialog.get_by_role("button", name="End all sessions").click()
    expect(sessions.locator("tbody tr").filter(has_text="live")).to_have_count(0)
    expect(sessions.get_by_role("button", name="End all sessions")).to_be_disabled()
    assert first.get("/v1/auth/me").status_code == 401 and second.get("/v1/auth/me").status_code == 401
