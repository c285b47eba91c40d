"""The OpenID provider's pages in real Chromium: sign-in, the second factor and consent end at
the client with a code (the CSP lets that redirect through and nothing else breaks it), and a
sign-in form posted from another site is refused."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from playwright.sync_api import Page, expect

from tests.integration.authenticator import enrol
from tests.integration.oidc import authorization_params, exchange, pkce_pair
from tests.support import USER_PASSWORD, free_port

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
    page.get_by_role("button", name="Sign in", exact=True).click()


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
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email, username or password")
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
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
    fields = (
        page.locator("form")
        .first.locator("input[type=hidden]")
        .evaluate_all("inputs => inputs.map(i => [i.name, i.value])")
    )
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


def _loopback_callback() -> tuple[str, dict, ThreadingHTTPServer]:
    """A client's callback that really listens (on loopback, as a native app's would): the
    page's CDP session for the virtual authenticator keeps Playwright's routing from seeing
    the redirect."""
    landed: dict = {}

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            landed.update({name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()})
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>signed in</p>")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Callback)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/callback", landed, server


def test_a_passkey_signs_in_on_the_provider_page(page: Page, stack, register_client, make_user):
    """WebAuthn needs an RP id that is a domain: the pages are opened at localhost, as the
    console's passkey tests do (WEBAUTHN_RP_ID=localhost on the test stack)."""
    from tests.console.test_passkeys import _virtual_authenticator

    callback, landed, server = _loopback_callback()
    client = register_client(first_party=True, type="public", redirect_uris=[callback])
    user, _ = make_user()
    here = stack.base_url.replace("127.0.0.1", "localhost")
    _virtual_authenticator(page)
    page.goto(f"{here}/admin")
    page.get_by_label("Email or username").fill(user["username"])
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    section = page.get_by_role("region", name="Passkeys")
    section.get_by_label("Name").fill("Chromium")
    section.get_by_label("Your password").fill(USER_PASSWORD)
    section.get_by_role("button", name="Add a passkey").click()
    expect(section.locator(".passkey-name")).to_have_text(["Chromium"])

    verifier, challenge = pkce_pair()
    params = authorization_params(client, code_challenge=challenge, code_challenge_method="S256")
    try:
        page.goto(f"{here}/oauth/authorize?{urlencode(params)}")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(f"{callback}?**")
    finally:
        server.shutdown()
    tokens = exchange(stack, client, landed["code"], verifier=verifier).json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sub"] == user["id"] and claims["amr"] in (["hwk"], ["swk"])
