"""The users list and a user's page, driven in the browser against the real stack."""

import re
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.console.browser import sign_in, sign_in_as_admin
from tests.support import USER_PASSWORD, new_user_body


def create_user(admin, **overrides) -> dict:
    response = admin.post("/v1/users", json=new_user_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def open_user(page: Page, user: dict) -> None:
    page.goto(f"/admin#/users/{user['id']}")
    expect(page.get_by_role("heading", name=user["username"], level=1)).to_be_visible()


def test_search_and_filters_come_straight_from_the_list_query(page, admin, screenshot):
    marker = uuid.uuid4().hex[:8]
    create_user(admin, last_name=f"Zed{marker}", role="moderator")
    create_user(admin, last_name=f"Abe{marker}")
    create_user(admin, last_name=f"Max{marker}")
    sign_in_as_admin(page)
    page.get_by_label("Search").fill(marker)
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(f"search={marker}"))
    page.get_by_label("Sort").select_option("last_name")
    expect(rows.first).to_contain_text(f"Abe{marker}")
    page.get_by_label("Role").select_option("moderator")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Zed{marker}")
    expect(page).to_have_url(re.compile("role=moderator"))
    page.get_by_label("Role").select_option("")
    page.get_by_label("Sort").select_option("-created_at")
    screenshot(page, "users")


def test_pages_move_through_the_list(page, admin):
    marker = uuid.uuid4().hex[:8]
    for _ in range(21):
        create_user(admin, first_name=f"Page{marker}")
    sign_in_as_admin(page)
    page.get_by_label("Search").fill(marker)
    expect(page.get_by_text("Showing 1\u201320 of 21 users")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Showing 21\u201321 of 21 users")).to_be_visible()
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile("page=2"))


def test_a_request_in_flight_shows_that_it_is_loading(page):
    sign_in_as_admin(page)
    expect(page.locator("table.data tbody tr").first).to_be_visible()
    held = []
    page.route(re.compile(r"/v1/users\?"), lambda route: held.append(route))
    page.get_by_label("Role").select_option("admin")
    while not held:
        page.wait_for_timeout(20)
    expect(page.locator("#activity")).to_be_visible()
    expect(page.locator(".results")).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    expect(page.locator(".results")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#activity")).to_be_hidden()


def test_a_slow_older_answer_never_replaces_a_newer_one(page, admin):
    create_user(admin, role="moderator")
    sign_in_as_admin(page)
    expect(page.locator("table.data tbody tr").first).to_be_visible()
    held = []
    page.route(re.compile(r"/v1/users\?.*role=admin"), lambda route: held.append(route))
    page.get_by_label("Role").select_option("admin")
    while not held:
        page.wait_for_timeout(20)
    page.get_by_label("Role").select_option("moderator")
    roles = page.locator("table.data tbody td[data-label='Role']")
    expect(roles.first).to_have_text("moderator")
    with page.expect_response(re.compile(r"role=admin")):
        held[0].continue_()
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)))")
    expect(roles.filter(has_text="admin")).to_have_count(0)
    expect(page.locator(".results")).not_to_have_attribute("aria-busy", "true")


def test_an_edit_is_saved_with_if_match_and_its_audit_row_is_shown(page, admin, screenshot):
    user = create_user(admin)
    sign_in_as_admin(page)
    open_user(page, user)
    page.get_by_label("Last name").fill("Edited")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main .notice")).to_have_text("Saved.")
    assert admin.get(f"/v1/users/{user['id']}").json()["last_name"] == "Edited"
    update = page.get_by_role("region", name="Audit trail").locator("tr[data-action='user.update']")
    expect(update).to_contain_text("last_name")
    expect(update).to_contain_text("Edited")
    screenshot(page, "user")

    page.get_by_role("link", name="Open in the audit log").click()
    page.get_by_label("Action").fill("user.update")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.audit tbody tr")).to_have_count(1)
    expect(page.locator("table.audit tbody tr").first).to_contain_text("User")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("Edited")
    expect(page).to_have_url(re.compile(f"entity_id={user['id']}.*action=user.update"))
    screenshot(page, "audit-log")


def test_changing_ones_own_email_asks_for_the_current_password(page, admin, make_user):
    me, _ = make_user("admin")
    new_address = f"moved_{uuid.uuid4().hex[:10]}@example.com"
    sign_in(page, me["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    open_user(page, me)
    page.get_by_label("Email", exact=True).fill(new_address)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert").locator(".error-code")).to_have_text("REAUTHENTICATION_REQUIRED")
    assert admin.get(f"/v1/users/{me['id']}").json()["email"] == me["email"]
    page.get_by_label("Current password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main .notice")).to_have_text("Saved.")
    assert admin.get(f"/v1/users/{me['id']}").json()["email"] == new_address


def test_a_concurrent_edit_shows_the_conflict_and_overwrites_nothing(page, admin, screenshot):
    user = create_user(admin)
    sign_in_as_admin(page)
    open_user(page, user)
    assert admin.patch(f"/v1/users/{user['id']}", json={"first_name": "Theirs"}).status_code == 200
    page.get_by_label("Last name").fill("Mine")
    page.get_by_role("button", name="Save changes").click()

    conflict = page.locator("section.conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("tr[data-field='first_name'] td.stored")).to_have_text("Theirs")
    expect(conflict.locator("tr[data-field='last_name'] td").last).to_have_text("Mine")
    expect(conflict.locator(".error-code")).to_have_text("PRECONDITION_FAILED")
    expect(conflict.locator(".request-id")).not_to_be_empty()
    assert admin.get(f"/v1/users/{user['id']}").json()["last_name"] == "User"
    screenshot(page, "user-conflict")

    page.get_by_role("button", name="Show the current values").click()
    expect(page.get_by_label("First name")).to_have_value("Theirs")
    expect(page.get_by_label("Last name")).to_have_value("User")
    expect(conflict).to_be_hidden()


def test_choosing_to_save_over_a_conflict_writes_only_the_fields_changed_here(page, admin):
    user = create_user(admin)
    sign_in_as_admin(page)
    open_user(page, user)
    assert admin.patch(f"/v1/users/{user['id']}", json={"first_name": "Theirs"}).status_code == 200
    page.get_by_label("Last name").fill("Mine")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Save mine over them").click()
    expect(page.locator("main .notice")).to_have_text("Saved over the other change.")
    stored = admin.get(f"/v1/users/{user['id']}").json()
    assert (stored["first_name"], stored["last_name"]) == ("Theirs", "Mine")


def test_deactivating_a_user_asks_first_and_ends_their_sessions(page, admin, make_user):
    user, their_api = make_user()
    sign_in_as_admin(page)
    open_user(page, user)
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    assert admin.get(f"/v1/users/{user['id']}").json()["is_active"] is True

    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("region", name="Access")).to_contain_text("inactive")
    assert admin.get(f"/v1/users/{user['id']}").json()["is_active"] is False
    assert their_api.get("/v1/auth/me").status_code == 401


def test_bulk_deactivation_sends_one_request_each_with_a_progress_bar(page, admin, screenshot):
    marker = uuid.uuid4().hex[:8]
    users = [create_user(admin, first_name=f"Bulk{marker}") for _ in range(5)]
    sign_in_as_admin(page)
    page.get_by_label("Search").fill(marker)
    expect(page.locator("table.data tbody tr")).to_have_count(5)
    patches = []
    page.on("request", lambda request: patches.append(request.url) if request.method == "PATCH" else None)
    page.get_by_label("Select all users on this page").check()
    page.locator(".bulk-bar").get_by_role("button", name="Deactivate").click()
    panel = page.locator(".progress-panel")
    expect(panel.get_by_role("status")).to_have_text("All 5 done.")
    expect(panel.locator("progress")).to_have_attribute("value", "5")
    screenshot(page, "users-bulk")
    assert sorted(patches) == sorted(f"{page.url.split('/admin')[0]}/v1/users/{user['id']}" for user in users)
    assert all(admin.get(f"/v1/users/{user['id']}").json()["is_active"] is False for user in users)
    expect(page.locator("table.data tbody tr").first).to_contain_text("inactive")


def test_delete_asks_for_confirmation_and_the_user_is_gone(page, admin):
    user = create_user(admin)
    sign_in_as_admin(page)
    open_user(page, user)
    page.get_by_role("button", name="Delete user").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Delete {user['username']}?")
    dialog.get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    assert admin.get(f"/v1/users/{user['id']}").status_code == 404


def test_an_admin_revokes_a_session_from_the_users_sessions_list(page, admin, stack):
    user = create_user(admin)
    login = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}
    )
    token = login.json()["access_token"]
    sign_in_as_admin(page)
    open_user(page, user)
    sessions = page.get_by_role("region", name="Sessions")
    sessions.get_by_role("button", name="Revoke").click()
    expect(sessions.locator("tbody tr").first).to_contain_text("revoked")
    me = httpx.get(f"{stack.base_url}/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_creating_a_user_opens_its_page(page, admin):
    body = new_user_body()
    sign_in_as_admin(page)
    page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog")
    for label, name in (
        ("Username", "username"),
        ("Email", "email"),
        ("First name", "first_name"),
        ("Last name", "last_name"),
        ("Initial password", "password"),
    ):
        dialog.get_by_label(label).fill(body[name])
    dialog.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name=body["username"], level=1)).to_be_visible()
    found = admin.get("/v1/users", params={"search": body["username"]}).json()["data"]
    assert [user["username"] for user in found] == [body["username"]]


def test_an_api_error_shows_its_message_and_request_id(page, admin):
    taken = create_user(admin)
    sign_in_as_admin(page)
    page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog")
    body = new_user_body(email=taken["email"])
    for label, name in (
        ("Username", "username"),
        ("Email", "email"),
        ("First name", "first_name"),
        ("Last name", "last_name"),
        ("Initial password", "password"),
    ):
        dialog.get_by_label(label).fill(body[name])
    with page.expect_response("**/v1/users") as answer:
        dialog.get_by_role("button", name="Create user").click()
    error = answer.value.json()["error"]
    alert = dialog.get_by_role("alert")
    expect(alert.locator(".error-message")).to_have_text(error["message"])
    expect(alert.locator(".error-code")).to_have_text("EMAIL_TAKEN")
    expect(alert.locator(".request-id")).to_have_text(error["request_id"])
