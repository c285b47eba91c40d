"""Passkeys in real Chromium with its virtual authenticator (CDP's WebAuthn domain): made
in My account, then signing in with one alone or as the second factor; a clone whose
counter went back is refused.

WebAuthn needs a secure context and an RP id that is a domain: Chromium takes no IP address
as one, so the console is opened at http://localhost:PORT (localhost is potentially
trustworthy like 127.0.0.1), and the test stack sets WEBAUTHN_RP_ID=localhost and that
origin in WEBAUTHN_ORIGINS (tests/support.py)."""

import time

import jwt
import pyotp
from playwright.sync_api import Page, expect

from tests.support import USER_PASSWORD


def _virtual_authenticator(page: Page) -> tuple[object, str]:
    client = page.context.new_cdp_session(page)
    client.send("WebAuthn.enable")
    added = client.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return client, added["authenticatorId"]


def test_a_passkey_made_in_my_account_signs_in_alone_and_a_clone_is_refused(page, stack, make_user, screenshot):
    user, api = make_user()
    console = stack.base_url.replace("127.0.0.1", "localhost") + "/admin"
    client, authenticator = _virtual_authenticator(page)

    page.goto(console)
    page.get_by_label("Email or username").fill(user["username"])
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    section = page.get_by_role("region", name="Passkeys")
    expect(section).to_contain_text("You have no passkeys yet.")
    section.get_by_label("Name").fill("Chromium")
    section.get_by_label("Your password").fill(USER_PASSWORD)
    section.get_by_role("button", name="Add a passkey").click()
    expect(section.locator(".passkey-name")).to_have_text(["Chromium"])
    screenshot(page, "account-passkeys")
    (kept,) = api.get("/v1/auth/passkeys").json()["data"]
    assert kept["name"] == "Chromium" and kept["last_used_at"] is None

    page.get_by_role("button", name="Sign out", exact=True).click()
    with page.expect_response("**/v1/auth/passkeys/authentication") as answer:
        page.get_by_role("button", name="Sign in with a passkey").click()
    assert answer.value.status == 200
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    assert api.get("/v1/auth/passkeys").json()["data"][0]["last_used_at"] is not None

    # A clone: the same key with the counter it had before the sign-in above.
    (credential,) = client.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["signCount"] >= 1
    client.send(
        "WebAuthn.removeCredential", {"authenticatorId": authenticator, "credentialId": credential["credentialId"]}
    )
    client.send(
        "WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": {**credential, "signCount": 0}}
    )
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert").locator(".error-code")).to_have_text("INVALID_CREDENTIALS")


def test_a_passkey_is_the_second_factor_at_the_consoles_mfa_step(page, stack, make_user):
    user, api = make_user(verified=True)
    enrolled = api.post("/v1/auth/mfa/totp", json={"password": USER_PASSWORD}).json()
    totp = pyotp.TOTP(enrolled["secret"])
    assert api.post("/v1/auth/mfa/totp/confirm", json={"code": totp.now()}).status_code == 200
    _virtual_authenticator(page)

    _password_step(page, stack, user)
    page.get_by_label("Authentication code").fill(totp.at(time.time() + 30))  # the confirmation's step is spent
    page.get_by_role("button", name="Verify").click()
    section = page.get_by_role("region", name="Passkeys")
    section.get_by_label("Name").fill("Second factor")
    section.get_by_label("Your password").fill(USER_PASSWORD)
    section.get_by_role("button", name="Add a passkey").click()
    expect(section.locator(".passkey-name")).to_have_text(["Second factor"])

    page.get_by_role("button", name="Sign out", exact=True).click()
    _password_step(page, stack, user)
    with page.expect_response("**/v1/auth/passkeys/authentication") as answer:
        page.get_by_role("button", name="Use a passkey instead").click()
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    access = answer.value.json()["access_token"]
    assert jwt.decode(access, options={"verify_signature": False})["amr"] == ["pwd", "hwk"]


def _password_step(page: Page, stack, user: dict) -> None:
    page.goto(stack.base_url.replace("127.0.0.1", "localhost") + "/admin")
    page.get_by_label("Email or username").fill(user["username"])
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()
