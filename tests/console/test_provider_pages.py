"""The OpenID provider's pages in real Chromium: sign-in, the second factor and consent end at
the client with a code (the CSP lets that redirect through and nothing else breaks it), and a
sign-in form posted from another site is refused."""

from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import Page, expect

from tests.integration.authenticator import enrol
from tests.integration.oidc import authorization_params, exchange
from tests.support import USER_PASSWORD

CLIENT_ORIGIN = "https://rp.example.com"


def _catch_the_redirect(page: Page) -> dict:
    """The client's callback, served by the test: what usersvc sent the browser there with."""
    landed: dict = {}

    def callback(route):
        landed.update({name: values[0] for name, values in parse_qs(urlsplit(route.request.url).query).items()})
        route.fulfill(status=200, content_type="text/html", body="<p>signed in</p>")

    page.route(f"{CLIENT_ORIGIN}/**", callback)
    return landed


def _sign_in(page: Page, identifier: str) -> None:
    page.get_by_label("Email or username").fill(identifier)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_and_consent_end_at_the_client_with_a_code(page: Page, stack, register_client, make_user, screenshot):
    client = register_client(first_party=False, name="Expense reports")
    user, _ = make_user()
    landed = _catch_the_redirect(page)
    params = authorization_params(client)
    page.goto(f"/oauth/authorize?{urlencode(params)}")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_text("Expense reports")).to_be_visible()
    screenshot(page, "provider-sign-in")
    _sign_in(page, user["username"])
    expect(page.get_by_role("heading", name="Expense reports wants to access your account")).to_be_visible()
    expect(page.get_by_text("See your email address")).to_be_visible()
    screenshot(page, "provider-consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{CLIENT_ORIGIN}/callback?**")
    assert landed["state"] == params["state"] and landed["iss"] == stack.base_url
    assert exchange(stack, client, landed["code"]).status_code == 200


def test_a_wrong_password_is_said_on_the_page_then_the_right_one_passes(page: Page, stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    landed = _catch_the_redirect(page)
    page.goto(f"/oauth/authorize?{urlencode(authorization_params(client, login_hint=user['email']))}")
    expect(page.get_by_label("Email or username")).to_have_value(user["email"])
    page.get_by_label("Password").fill("Not-the-password-1!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email, username or password")
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{CLIENT_ORIGIN}/callback?**")
    assert "code" in landed


def test_the_second_factor_step(page: Page, stack, register_client, make_user):
    client = register_client(first_party=True)
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    landed = _catch_the_redirect(page)
    page.goto(f"/oauth/authorize?{urlencode(authorization_params(client))}")
    _sign_in(page, user["username"])
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    page.get_by_label("Code").fill(authenticator.next_code())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{CLIENT_ORIGIN}/callback?**")
    assert "code" in landed


def test_a_sign_in_form_posted_from_another_site_is_refused(page: Page, stack, register_client, make_user):
    client = register_client(first_party=True)
    user, _ = make_user()
    page.goto(f"/oauth/authorize?{urlencode(authorization_params(client))}")
    fields = page.locator("form input[type=hidden]").evaluate_all("inputs => inputs.map(i => [i.name, i.value])")
    hidden = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields)
    attack = (
        f'<form method="post" action="{stack.base_url}/oauth/authorize/sign-in">{hidden}'
        f'<input name="identifier" value="{user["username"]}"><input name="password" value="{USER_PASSWORD}">'
        '<button id="go">go</button></form>'
    )
    page.route("https://evil.example/", lambda route: route.fulfill(status=200, content_type="text/html", body=attack))
    page.goto("https://evil.example/")
    page.locator("#go").click()
    expect(page.get_by_text("came from another site")).to_be_visible()
