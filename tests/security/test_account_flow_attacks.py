"""Attacks on the account flows: links that outlive what they were sent for, and sessions
that survive a second factor being turned on."""

import uuid

import httpx

from tests.integration.account_flows import reset_token, verification_token
from tests.integration.authenticator import enrol
from tests.support import USER_PASSWORD, Api, login

NEW_PASSWORD = "N3w!passw0rd"


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def confirm_reset(anonymous: Api, token: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": password})


# --- links die with the password or the address they were sent for -------------------------


def test_a_reset_link_dies_when_the_owner_changes_the_password(stack, make_user, anonymous, mailbox):
    user, me = make_user()
    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    link = reset_token(mailbox, user["email"])
    assert me.post("/v1/auth/verify-email/request").status_code == 202
    verify_link = verification_token(mailbox, user["email"])
    changed = me.post(
        f"/v1/users/{user['id']}/password", json={"current_password": USER_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204, changed.text
    # Whoever found the old mail cannot undo the owner's new password with it.
    assert refusal(confirm_reset(anonymous, link, "Attack3r!pass")) == (400, "INVALID_TOKEN")
    assert refusal(anonymous.post("/v1/auth/verify-email", json={"token": verify_link})) == (400, "INVALID_TOKEN")
    assert login(stack.base_url, NEW_PASSWORD, username=user["username"]).get("/v1/auth/me").status_code == 200


def test_a_link_for_an_address_is_not_revived_when_the_email_goes_away_and_comes_back(
    admin, make_user, anonymous, mailbox
):
    user, me = make_user()
    address = user["email"]
    assert anonymous.post("/v1/auth/password-reset", json={"email": address}).status_code == 202
    link = reset_token(mailbox, address)
    elsewhere = f"moved_{uuid.uuid4().hex[:10]}@example.com"
    for email in (elsewhere, address):  # A → B → A
        assert admin.patch(f"/v1/users/{user['id']}", json={"email": email}).status_code == 200
    assert refusal(confirm_reset(anonymous, link)) == (400, "INVALID_TOKEN")
    assert me.get("/v1/auth/me").status_code == 200  # the owner's password and sessions stand


# --- turning MFA on ends the other sessions ----------------------------------------------------


def test_confirming_mfa_ends_the_users_other_sessions(stack, make_user):
    user, me = make_user(verified=True)
    earlier = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}
    ).json()
    enrol(me)
    # The earlier session (say, a thief's) cannot mint tokens without the second factor.
    refreshed = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": earlier["refresh_token"]})
    assert refreshed.status_code == 401
    assert Api(stack.base_url, earlier["access_token"]).get("/v1/auth/me").status_code == 401
    assert me.get("/v1/auth/me").status_code == 200  # the session that turned MFA on goes on
