"""Sign in with another provider in real Chromium: an admin adds the provider on the
"Sign-in providers" screen, then a new person signs in to /admin with "Continue with …"
through a local OpenID Connect provider (tests/integration/upstream_stub.py), sees the
linked provider on My account and cannot unlink the only way in. And the OpenID provider's
own sign-in page: "Continue with …" ends at the client with a code."""

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.console.browser import sign_in, sign_in_as_admin
from tests.integration.upstream_stub import CLIENT_ID, CLIENT_SECRET, UpstreamStub
from tests.support import USER_PASSWORD, free_port


@pytest.fixture(scope="module")
def stub():
    server = UpstreamStub(free_port())
    server.start()
    yield server
    server.stop()


def add_oidc_provider(admin, stub: UpstreamStub, slug: str, name: str, **fields) -> None:
    body = {"slug": slug, "name": name, "kind": "oidc", "issuer": stub.issuer, "client_id": CLIENT_ID}
    created = admin.post("/v1/identity-providers", json={**body, "client_secret": CLIENT_SECRET, **fields})
    assert created.status_code == 201, created.text


def test_an_admin_adds_a_provider_and_a_new_person_signs_in_with_it(page: Page, stack, stub, screenshot):
    tag = uuid.uuid4().hex[:6]
    name = f"Acme ID {tag}"
    email = f"new_{tag}@acme.example.com"
    stub.tamper = {}
    stub.next_user = {"sub": f"acme-{tag}", "email": email, "email_verified": True, "given_name": "New"}
    sign_in_as_admin(page)
    page.get_by_role("link", name="Sign-in providers").click()
    expect(page.get_by_role("heading", name="Identity providers", level=1)).to_be_visible()
    form = page.get_by_role("form", name="Add a provider")
    form.get_by_label("Slug").fill(f"acme-{tag}")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Issuer (OpenID Connect)").fill(stub.issuer)
    form.get_by_label("Client ID").fill(CLIENT_ID)
    form.get_by_label("Client secret").fill(CLIENT_SECRET)
    form.get_by_label("May create accounts").check()
    form.get_by_label("Trust its verified addresses").check()
    form.get_by_role("button", name="Add provider").click()
    callback = f"{stack.base_url}/v1/auth/providers/acme-{tag}/callback"
    expect(page.get_by_role("status").filter(has_text=callback)).to_be_visible()
    expect(page.locator(f'tr[data-provider="acme-{tag}"]')).to_contain_text(callback)
    row = page.locator(f'tr[data-provider="acme-{tag}"]')
    row.get_by_role("button", name="Trust its second factor").click()
    expect(row).to_contain_text("its second factor stands for ours")
    expect(row.get_by_role("button", name="Stop trusting its second factor")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "identity-providers")
    page.get_by_role("button", name="Sign out").click()

    page.get_by_role("link", name=f"Continue with {name}").click()
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    assert "login_code" not in page.url
    expect(page.locator("#whoami")).to_contain_text("new_")
    identities = page.get_by_role("region", name="Sign-in providers")
    expect(identities).to_contain_text(f"acme-{tag}")
    identities.get_by_role("button", name="Unlink").click()
    expect(identities.get_by_role("alert")).to_contain_text("LAST_SIGN_IN_METHOD")


def test_continue_with_a_provider_on_the_openid_sign_in_page_ends_at_the_client(
    page: Page, stack, stub, admin, register_client
):
    tag = uuid.uuid4().hex[:6]
    add_oidc_provider(admin, stub, f"corp-{tag}", f"Corp {tag}", creates_accounts=True)
    stub.tamper = {}
    stub.next_user = {"sub": f"corp-{tag}", "email": f"corp_{tag}@corp.example.com", "email_verified": True}
    client = register_client(first_party=True)
    arrived = []
    page.route("https://rp.example.com/**", lambda route: (arrived.append(route.request.url), route.fulfill(body="ok")))
    page.goto(
        f"/oauth/authorize?response_type=code&client_id={client.client_id}&redirect_uri={client.redirect_uri}"
        "&scope=openid%20email&state=s-123&nonce=n-123"
    )
    page.get_by_role("link", name=f"Continue with Corp {tag}").click()
    expect(page).to_have_url(re.compile(r"^https://rp\.example\.com/callback\?"))
    query = parse_qs(urlsplit(arrived[-1]).query)
    assert query["state"] == ["s-123"] and query["code"][0]


def test_a_signed_in_user_links_another_provider_from_my_account(page: Page, stack, stub, admin, make_user):
    """The "Link <name>" button on My account: the sign-in runs in a popup (the console's
    tokens live in memory, a navigation would sign out), its code comes back to this page,
    which links it with its bearer; the page stays signed in."""
    tag = uuid.uuid4().hex[:6]
    add_oidc_provider(admin, stub, f"link-{tag}", f"Elsewhere {tag}")
    stub.tamper = {}
    stub.next_user = {"sub": f"elsewhere-{tag}", "email": f"me_{tag}@elsewhere.example.com", "email_verified": False}
    user, api = make_user()
    sign_in(page, user["username"], USER_PASSWORD)
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    identities = page.get_by_role("region", name="Sign-in providers")
    expect(identities).to_contain_text("No other provider is linked")
    with page.expect_popup() as opened:
        identities.get_by_role("button", name=f"Link Elsewhere {tag}").click()
    popup = opened.value
    expect(identities.locator("li[data-identity]")).to_contain_text(f"me_{tag}@elsewhere.example.com")
    expect(identities.get_by_role("status")).to_contain_text(f"Elsewhere {tag} is linked")
    popup.wait_for_event("close")
    expect(page.locator("#whoami")).to_contain_text(user["username"])  # still signed in
    (identity,) = api.get("/v1/auth/identities").json()["data"]
    assert identity["provider"] == f"link-{tag}" and identity["subject"] == f"elsewhere-{tag}"
