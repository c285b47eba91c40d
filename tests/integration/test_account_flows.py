"""Registration, email verification and password reset over HTTP, read back from the mails
the workers send to the test SMTP server."""

import time
import uuid

from tests.integration.account_flows import (
    REGISTRATION_ACCEPTED,
    register,
    registration_body,
    reset_token,
    verification_token,
)
from tests.integration.mailbox import text_of
from tests.support import USER_PASSWORD, Api, login

NEW_PASSWORD = "N3w!passw0rd"


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_registration_creates_a_plain_unverified_user_and_mails_a_verification_link(stack, anonymous, mailbox):
    body, user = register(anonymous)
    assert (user["role"], user["email_verified"], user["email"]) == ("user", False, body["email"].lower())
    [mail] = mailbox.wait_for(user["email"])
    assert mail["From"] == "usersvc@localhost" and mail["Subject"] == "Confirm your email address"
    assert f"{stack.base_url}/verify-email?token={verification_token(mailbox, user['email'])}" in text_of(mail)
    assert mail.get_body(("html",)) is not None  # an HTML part besides the text
    me = login(stack.base_url, body["password"], username=body["username"])
    assert (
        anonymous.post("/v1/auth/verify-email", json={"token": verification_token(mailbox, user["email"])}).status_code
        == 204
    )
    assert me.get("/v1/auth/me").json()["email_verified"] is True


def test_registration_takes_no_role_and_tells_a_taken_username_but_not_a_taken_email(anonymous, mailbox):
    refused = anonymous.post("/v1/auth/register", json={**registration_body(), "role": "admin"})
    assert error_of(refused) == (422, "VALIDATION_ERROR")
    assert refused.json()["error"]["details"] == [{"field": "role", "message": "unknown field"}]
    body, _ = register(anonymous)
    same_email = anonymous.post("/v1/auth/register", json=registration_body(email=body["email"].upper()))
    same_username = anonymous.post("/v1/auth/register", json=registration_body(username=body["username"].upper()))
    assert (same_email.status_code, same_email.json()) == (202, REGISTRATION_ACCEPTED)
    assert error_of(same_username) == (409, "USERNAME_TAKEN")
    weak = anonymous.post("/v1/auth/register", json=registration_body(password="weakpass"))
    assert error_of(weak) == (422, "VALIDATION_ERROR")
    verification, notice = mailbox.wait_for(body["email"], count=2)
    assert verification["Subject"] == "Confirm your email address"
    assert notice["Subject"] == "Someone tried to register with your email address"
    assert "?token=" not in text_of(notice)
    time.sleep(1)
    assert len(mailbox.to(body["email"])) == 2  # the refused ones sent nothing


def test_a_new_verification_request_mails_a_link_that_replaces_the_earlier_one(stack, anonymous, mailbox):
    body, user = register(anonymous)
    first = verification_token(mailbox, user["email"])
    me = login(stack.base_url, body["password"], username=body["username"])
    assert anonymous.post("/v1/auth/verify-email/request").status_code == 401
    assert me.post("/v1/auth/verify-email/request").status_code == 202
    second = verification_token(mailbox, user["email"], count=2)
    assert error_of(anonymous.post("/v1/auth/verify-email", json={"token": first})) == (400, "INVALID_TOKEN")
    assert anonymous.post("/v1/auth/verify-email", json={"token": second}).status_code == 204
    assert me.get("/v1/auth/me").json()["email_verified"] is True
    assert me.post("/v1/auth/verify-email/request").status_code == 202  # verified already: nothing to send
    time.sleep(1)
    assert len(mailbox.to(user["email"])) == 2


def test_changing_the_email_unverifies_it_and_mails_the_new_address(stack, admin, anonymous, mailbox):
    body, user = register(anonymous)
    assert (
        anonymous.post("/v1/auth/verify-email", json={"token": verification_token(mailbox, user["email"])}).status_code
        == 204
    )
    me = login(stack.base_url, body["password"], username=body["username"])
    assert me.post("/v1/auth/verify-email/request").status_code == 202
    new_address = f"new_{uuid.uuid4().hex[:10]}@example.com"
    patched = me.patch(f"/v1/users/{user['id']}", json={"email": new_address, "current_password": body["password"]})
    assert (patched.status_code, patched.json()["email_verified"]) == (200, False)
    token = verification_token(mailbox, new_address)
    assert anonymous.post("/v1/auth/verify-email", json={"token": token}).status_code == 204
    assert me.get("/v1/auth/me").json()["email_verified"] is True
    # An admin's PUT with another address: unverified again, and the newest address is mailed.
    newest = f"newest_{uuid.uuid4().hex[:10]}@example.com"
    profile = {name: body[name] for name in ("username", "first_name", "last_name")}
    replaced = admin.put(f"/v1/users/{user['id']}", json={**profile, "email": newest})
    assert (replaced.status_code, replaced.json()["email_verified"]) == (200, False)
    assert (
        anonymous.post("/v1/auth/verify-email", json={"token": verification_token(mailbox, newest)}).status_code == 204
    )


def test_a_verification_link_for_an_earlier_address_stops_working(stack, make_user, anonymous, mailbox):
    user, me = make_user()
    assert me.post("/v1/auth/verify-email/request").status_code == 202
    old_link = verification_token(mailbox, user["email"])
    new_address = f"moved_{uuid.uuid4().hex[:10]}@example.com"
    moved = me.patch(f"/v1/users/{user['id']}", json={"email": new_address, "current_password": USER_PASSWORD})
    assert moved.status_code == 200
    assert error_of(anonymous.post("/v1/auth/verify-email", json={"token": old_link})) == (400, "INVALID_TOKEN")
    assert me.get("/v1/auth/me").json()["email_verified"] is False


def test_a_password_reset_sets_the_new_password_and_ends_every_session(stack, make_user, anonymous, mailbox):
    user, session = make_user()
    other_session = login(stack.base_url, USER_PASSWORD, username=user["username"])
    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"].upper()}).status_code == 202
    [mail] = mailbox.wait_for(user["email"])
    assert mail["Subject"] == "Reset your password" and "expires in 30 minutes" in text_of(mail)
    token = reset_token(mailbox, user["email"])
    weak = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "weak"})
    assert error_of(weak) == (422, "VALIDATION_ERROR")
    confirmed = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD})
    assert confirmed.status_code == 204, confirmed.text
    for old in (session, other_session):
        assert old.get("/v1/auth/me").status_code == 401
    old_password = anonymous.post("/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD})
    assert error_of(old_password) == (401, "INVALID_CREDENTIALS")
    assert login(stack.base_url, NEW_PASSWORD, username=user["username"]).get("/v1/auth/me").status_code == 200
    again = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "An0ther!pass"})
    assert error_of(again) == (400, "INVALID_TOKEN")


def test_a_password_reset_mails_only_active_accounts_and_answers_alike(admin, make_user, anonymous, mailbox):
    inactive, _ = make_user()
    assert admin.patch(f"/v1/users/{inactive['id']}", json={"is_active": False}).status_code == 200
    unknown = f"nobody_{uuid.uuid4().hex[:10]}@example.com"
    answers = [
        anonymous.post("/v1/auth/password-reset", json={"email": address}) for address in (unknown, inactive["email"])
    ]
    assert [(answer.status_code, answer.content) for answer in answers] == [(202, b""), (202, b"")]
    control, _ = make_user()
    assert anonymous.post("/v1/auth/password-reset", json={"email": control["email"]}).status_code == 202
    mailbox.wait_for(control["email"])
    time.sleep(1)
    assert mailbox.to(unknown) == [] and mailbox.to(inactive["email"]) == []
    malformed = anonymous.post("/v1/auth/password-reset", json={"email": "not-an-address"})
    assert error_of(malformed) == (422, "VALIDATION_ERROR")


def test_reset_mails_to_one_account_are_at_most_one_a_minute_and_the_link_keeps_working(make_user, anonymous, mailbox):
    user, _ = make_user()
    for _ in range(3):
        assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    token = reset_token(mailbox, user["email"])
    time.sleep(1.5)
    assert len(mailbox.to(user["email"])) == 1
    confirmed = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD})
    assert confirmed.status_code == 204


def test_a_password_reset_lifts_the_login_back_off_for_the_resetting_client(stack, make_user, mailbox):
    """The owner proved they read the account's mail: a hold an attacker caused must not keep them out."""
    user, _ = make_user()
    client = Api(stack.base_url)
    owner_ip = {"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 250 + 1}"}
    for _ in range(10):  # LOGIN_BACKOFF_THRESHOLD's default
        client.post(
            "/v1/auth/login",
            json={"username": user["username"], "password": "Wr0ng!pass"},
            headers={"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"},
        )
    held = client.post(
        "/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}, headers=owner_ip
    )
    assert error_of(held) == (429, "RATE_LIMITED")
    assert client.post("/v1/auth/password-reset", json={"email": user["email"]}, headers=owner_ip).status_code == 202
    confirmed = client.post(
        "/v1/auth/password-reset/confirm",
        headers=owner_ip,
        json={"token": reset_token(mailbox, user["email"]), "new_password": NEW_PASSWORD},
    )
    assert confirmed.status_code == 204
    after = client.post(
        "/v1/auth/login", json={"username": user["username"], "password": NEW_PASSWORD}, headers=owner_ip
    )
    assert after.status_code == 200, after.text
