"""The Clients screen (admin): register a client and see its secret once, edit its redirect
URIs, rotate its secret, delete it, driven in the browser against the real stack."""

import uuid

from playwright.sync_api import Page, expect

from tests.console.browser import sign_in_as_admin


def open_clients(page: Page) -> None:
    sign_in_as_admin(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", level=1)).to_be_visible()


def test_an_admin_registers_edits_rotates_and_deletes_a_client(page, context, admin, screenshot):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    name = f"Console app {uuid.uuid4().hex[:6]}"
    open_clients(page)

    page.get_by_role("button", name="New client").click()
    dialog = page.get_by_role("dialog", name="New client")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Redirect URIs", exact=True).fill("https://app.example.com/cb#fragment")
    dialog.get_by_role("button", name="Create client").click()
    expect(dialog.get_by_role("alert")).to_contain_text("redirect_uris.0: must not contain a fragment")
    dialog.get_by_label("Redirect URIs", exact=True).fill("https://app.example.com/cb\nhttp://127.0.0.1/native")
    dialog.get_by_role("button", name="Create client").click()

    shown = page.get_by_role("dialog", name=f"{name} is registered")
    expect(shown).to_contain_text("Shown this once")
    secret = shown.locator("[data-secret]").inner_text()
    client_id = shown.locator("[data-client-id]").inner_text()
    assert len(secret) >= 43
    shown.get_by_role("button", name="Copy the secret").click()
    expect(shown.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shown.get_by_role("button", name="I have stored it").click()
    expect(page.locator("[data-secret]")).to_have_count(0)  # gone from the page with its dialog

    row = page.locator(f'tr[data-client="{client_id}"]')
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("https://app.example.com/cb")
    assert secret not in page.content()
    stored = admin.get(f"/v1/oauth/clients/{client_id}").json()
    assert stored["redirect_uris"] == ["https://app.example.com/cb", "http://127.0.0.1/native"]

    row.get_by_role("button", name="Edit redirect URIs").click()
    edit = page.get_by_role("dialog", name=f"Redirect URIs of {name}")
    edit.get_by_label("Redirect URIs", exact=True).fill("https://app.example.com/new")
    edit.get_by_label("Post-logout redirect URIs").fill("https://app.example.com/bye")
    edit.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("https://app.example.com/new")
    changed = admin.get(f"/v1/oauth/clients/{client_id}").json()
    assert changed["redirect_uris"] == ["https://app.example.com/new"]
    assert changed["post_logout_redirect_uris"] == ["https://app.example.com/bye"]
    screenshot(page, "clients")

    row.get_by_role("button", name="Rotate secret").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate secret").click()
    rotated = page.get_by_role("dialog", name=f"New secret of {name}")
    new_secret = rotated.locator("[data-secret]").inner_text()
    assert new_secret and new_secret != secret
    rotated.get_by_role("button", name="I have stored it").click()

    row.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("stops working at once")
    confirm.get_by_role("button", name="Delete client").click()
    expect(row).to_have_count(0)
    assert admin.get(f"/v1/oauth/clients/{client_id}").status_code == 404


def test_a_public_client_is_shown_without_a_secret(page):
    name = f"SPA {uuid.uuid4().hex[:6]}"
    open_clients(page)
    page.get_by_role("button", name="New client").click()
    dialog = page.get_by_role("dialog", name="New client")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Type").select_option("public")
    dialog.get_by_label("Redirect URIs", exact=True).fill("https://spa.example.com/")
    dialog.get_by_role("button", name="Create client").click()
    shown = page.get_by_role("dialog", name=f"{name} is registered")
    expect(shown).to_contain_text("no secret")
    expect(shown.locator("[data-secret]")).to_have_count(0)
    shown.get_by_role("button", name="Done").click()
    row = page.locator("tr", has_text=name)
    expect(row.get_by_role("button", name="Rotate secret")).to_have_count(0)
