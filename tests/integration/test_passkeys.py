"""Passkeys over HTTP with a software authenticator: registration, the list, renaming and
removal, username-less sign-in, the second factor, and the attacks a relying party must
refuse (replayed challenge, wrong origin, cloned authenticator, another user's credential)."""

import httpx
import jwt

from tests.integration.account_flows import reset_token
from tests.integration.authenticator import enrol, password_step
from tests.passkey_authenticator import SoftAuthenticator, b64url, unb64url
from tests.support import USER_PASSWORD, Api


def _code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _origin(stack) -> str:
    return stack.base_url.replace("127.0.0.1", "localhost")


def _amr(login: dict) -> list[str]:
    return jwt.decode(login["access_token"], options={"verify_signature": False})["amr"]


def _register(stack, api: Api, *, name: str = "My laptop", **authenticator) -> tuple[SoftAuthenticator, dict]:
    device = SoftAuthenticator(_origin(stack), **authenticator)
    options = api.post("/v1/auth/passkeys/registration/options", json={"password": USER_PASSWORD})
    assert options.status_code == 200, options.text
    registered = api.post("/v1/auth/passkeys", json={"credential": device.create(options.json()), "name": name})
    assert registered.status_code == 201, registered.text
    return device, registered.json()


def _request_options(stack, **body) -> dict:
    response = httpx.post(f"{stack.base_url}/v1/auth/passkeys/authentication/options", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _sign_in(stack, credential: dict, **body) -> httpx.Response:
    return httpx.post(
        f"{stack.base_url}/v1/auth/passkeys/authentication", json={"credential": credential, **body}, timeout=30
    )


def _audit(admin: Api, user: dict, action: str) -> list[dict]:
    return admin.get("/v1/audit-logs", params={"entity_id": user["id"], "action": action}).json()["data"]


def test_registration_options_name_the_relying_party_and_the_user_and_need_the_password(make_user):
    user, api = make_user()
    missing = api.post("/v1/auth/passkeys/registration/options", json={})
    wrong = api.post("/v1/auth/passkeys/registration/options", json={"password": "Wrong!pass1"})
    assert _code(missing) == _code(wrong) == (403, "REAUTHENTICATION_REQUIRED")
    options = api.post("/v1/auth/passkeys/registration/options", json={"password": USER_PASSWORD}).json()
    assert options["rp"]["id"] == "localhost"
    assert unb64url(options["user"]["id"]).hex() == user["id"].replace("-", "")  # opaque, no email
    assert options["user"]["name"] == user["username"]
    assert len(unb64url(options["challenge"])) == 32 and options["timeout"] == 300_000
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["attestation"] == "none" and options["excludeCredentials"] == []


def test_register_list_rename_and_delete(stack, make_user, mailbox):
    user, api = make_user()
    device, passkey = _register(stack, api)
    assert set(passkey) >= {"id", "name", "created_at", "last_used_at", "backed_up"}
    assert (passkey["name"], passkey["last_used_at"], passkey["backed_up"]) == ("My laptop", None, False)
    assert passkey["authenticator"] is None  # an all-zero AAGUID names no model
    mailbox.wait_for(user["email"], containing="My laptop")
    listed = api.get("/v1/auth/passkeys")
    assert listed.status_code == 200 and listed.json()["data"] == [passkey]
    # Its options exclude the passkey it has already.
    again = api.post("/v1/auth/passkeys/registration/options", json={"password": USER_PASSWORD}).json()
    assert [entry["id"] for entry in again["excludeCredentials"]] == [device.id]
    renamed = api.patch(f"/v1/auth/passkeys/{passkey['id']}", json={"name": "Work phone"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Work phone"
    assert api.get("/v1/auth/passkeys").json()["data"][0]["name"] == "Work phone"
    assert _code(api.delete(f"/v1/auth/passkeys/{passkey['id']}")) == (403, "REAUTHENTICATION_REQUIRED")
    wrong = api.request("DELETE", f"/v1/auth/passkeys/{passkey['id']}", json={"password": "Wrong!pass1"})
    assert _code(wrong) == (403, "REAUTHENTICATION_REQUIRED")
    removed = api.request("DELETE", f"/v1/auth/passkeys/{passkey['id']}", json={"password": USER_PASSWORD})
    assert removed.status_code == 204
    assert api.get("/v1/auth/passkeys").json()["data"] == []
    mailbox.wait_for(user["email"], containing="Work phone")
    assert _code(_sign_in(stack, device.get(_request_options(stack)))) == (401, "INVALID_CREDENTIALS")


def test_another_users_passkey_cannot_be_renamed_or_removed(stack, make_user):
    _, owner = make_user()
    _, passkey = _register(stack, owner)
    _, other = make_user()
    assert _code(other.patch(f"/v1/auth/passkeys/{passkey['id']}", json={"name": "Mine"})) == (404, "NOT_FOUND")
    removed = other.request("DELETE", f"/v1/auth/passkeys/{passkey['id']}", json={"password": USER_PASSWORD})
    assert _code(removed) == (404, "NOT_FOUND")
    assert owner.get("/v1/auth/passkeys").json()["data"][0]["name"] == "My laptop"


def test_a_registration_answers_only_the_callers_own_live_challenge(stack, make_user):
    _, first = make_user()
    _, second = make_user()
    device = SoftAuthenticator(_origin(stack))
    options = first.post("/v1/auth/passkeys/registration/options", json={"password": USER_PASSWORD}).json()
    credential = device.create(options)
    stolen = second.post("/v1/auth/passkeys", json={"credential": credential, "name": "x"})
    assert _code(stolen) == (422, "VALIDATION_ERROR")
    # That attempt spent the challenge: its owner must ask again.
    assert _code(first.post("/v1/auth/passkeys", json={"credential": credential})) == (422, "VALIDATION_ERROR")
    assert first.get("/v1/auth/passkeys").json()["data"] == []


def test_a_credential_registered_by_another_user_is_refused(stack, make_user):
    _, first = make_user()
    device, _ = _register(stack, first)
    _, second = make_user()
    options = second.post("/v1/auth/passkeys/registration/options", json={"password": USER_PASSWORD}).json()
    copied = second.post("/v1/auth/passkeys", json={"credential": device.create(options)})
    assert _code(copied) == (422, "VALIDATION_ERROR")


def test_username_less_sign_in_gives_the_login_body_with_amr_hwk(stack, make_user):
    user, api = make_user()
    device, _ = _register(stack, api)
    options = _request_options(stack)
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    assert options["rpId"] == "localhost"
    signed_in = _sign_in(stack, device.get(options))
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["user"]["id"] == user["id"] and body["token_type"] == "Bearer"
    assert _amr(body) == ["hwk"]
    assert Api(stack.base_url, body["access_token"]).get("/v1/auth/me").json()["id"] == user["id"]
    assert api.get("/v1/auth/passkeys").json()["data"][0]["last_used_at"] is not None
    refreshed = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200 and _amr(refreshed.json()) == ["hwk"]  # the session's methods stay


def test_a_synced_passkey_signs_in_with_amr_swk_and_shows_backed_up(stack, make_user):
    _, api = make_user()
    device, passkey = _register(stack, api, synced=True)
    assert passkey["backed_up"] is True and passkey["backup_eligible"] is True
    signed_in = _sign_in(stack, device.get(_request_options(stack)))
    assert signed_in.status_code == 200 and _amr(signed_in.json()) == ["swk"]


def test_a_passkey_alone_needs_user_verification(stack, make_user):
    _, api = make_user()
    device, _ = _register(stack, api)
    unverified = device.get(_request_options(stack), verified=False)
    assert _code(_sign_in(stack, unverified)) == (401, "INVALID_CREDENTIALS")


def test_password_logins_carry_amr_pwd_and_with_totp_pwd_otp(stack, make_user):
    user, api = make_user(verified=True)
    assert _amr(password_step(stack.base_url, user["username"]).json()) == ["pwd"]
    authenticator, _, _ = enrol(api)
    mfa_token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    verified = httpx.post(
        f"{stack.base_url}/v1/auth/mfa/verify", json={"mfa_token": mfa_token, "code": authenticator.next_code()}
    )
    assert verified.status_code == 200 and _amr(verified.json()) == ["pwd", "otp"]


def test_a_passkey_is_the_second_factor_of_a_password_sign_in(stack, make_user, admin):
    user, api = make_user(verified=True)
    enrol(api)
    device, _ = _register(stack, api)
    mfa_token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    options = _request_options(stack, mfa_token=mfa_token)
    assert [entry["id"] for entry in options["allowCredentials"]] == [device.id]
    signed_in = _sign_in(stack, device.get(options), mfa_token=mfa_token)
    assert signed_in.status_code == 200, signed_in.text
    assert _amr(signed_in.json()) == ["pwd", "hwk"] and signed_in.json()["user"]["id"] == user["id"]
    # The mfa_token is spent with it.
    assert _code(_sign_in(stack, device.get(options), mfa_token=mfa_token)) == (401, "INVALID_CREDENTIALS")
    late = httpx.post(f"{stack.base_url}/v1/auth/passkeys/authentication/options", json={"mfa_token": mfa_token})
    assert _code(late) == (401, "INVALID_TOKEN")
    logins = _audit(admin, user, "auth.login")
    assert logins[0]["new_values"]["second_factor"] == "passkey"


def test_another_users_passkey_is_no_second_factor(stack, make_user, admin):
    user, api = make_user(verified=True)
    enrol(api)
    _register(stack, api)
    other, other_api = make_user()
    intruder, _ = _register(stack, other_api)
    mfa_token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    options = _request_options(stack, mfa_token=mfa_token)
    refused = _sign_in(stack, intruder.get(options), mfa_token=mfa_token)
    assert _code(refused) == (401, "INVALID_CREDENTIALS")
    assert _audit(admin, other, "auth.passkey_refused")[0]["new_values"]["reason"] == "another user's sign-in"
    # Nor may second-factor options be used without their mfa_token.
    assert _code(_sign_in(stack, intruder.get(_request_options(stack, mfa_token=mfa_token)))) == (
        401,
        "INVALID_CREDENTIALS",
    )


def test_a_user_handle_of_another_user_is_refused(stack, make_user):
    first, first_api = make_user()
    _, second_api = make_user()
    _register(stack, first_api)
    device, _ = _register(stack, second_api)
    handle = b64url(bytes.fromhex(first["id"].replace("-", "")))
    forged = device.get(_request_options(stack), user_handle=handle)
    assert _code(_sign_in(stack, forged)) == (401, "INVALID_CREDENTIALS")


def test_a_replayed_challenge_is_refused(stack, make_user):
    _, api = make_user()
    device, _ = _register(stack, api)
    options = _request_options(stack)
    assertion = device.get(options)
    assert _sign_in(stack, assertion).status_code == 200
    assert _code(_sign_in(stack, assertion)) == (401, "INVALID_CREDENTIALS")  # the same response again
    assert _code(_sign_in(stack, device.get(options))) == (401, "INVALID_CREDENTIALS")  # a new one, same challenge


def test_a_wrong_origin_is_refused_and_spends_the_challenge(stack, make_user):
    _, api = make_user()
    device, _ = _register(stack, api)
    options = _request_options(stack)
    phished = device.get(options, origin="https://usersvc.example.evil")
    assert _code(_sign_in(stack, phished)) == (401, "INVALID_CREDENTIALS")
    assert _code(_sign_in(stack, device.get(options))) == (401, "INVALID_CREDENTIALS")
    # PUBLIC_URL's own origin is allowed besides WEBAUTHN_ORIGINS.
    assert _sign_in(stack, device.get(_request_options(stack), origin=stack.base_url)).status_code == 200


def test_a_registration_from_a_wrong_origin_is_refused(stack, make_user):
    _, api = make_user()
    options = api.post("/v1/auth/passkeys/registration/options", json={"password": USER_PASSWORD}).json()
    credential = SoftAuthenticator(_origin(stack)).create(options, origin="https://usersvc.example.evil")
    assert _code(api.post("/v1/auth/passkeys", json={"credential": credential})) == (422, "VALIDATION_ERROR")


def test_a_cloned_authenticator_whose_counter_went_back_is_refused_and_audited(stack, make_user, admin):
    user, api = make_user()
    device, passkey = _register(stack, api)
    clone = device.clone()
    assert _sign_in(stack, device.get(_request_options(stack), count_step=5)).status_code == 200
    replayed_counter = clone.get(_request_options(stack), count_step=2)  # 2 after 5
    assert _code(_sign_in(stack, replayed_counter)) == (401, "INVALID_CREDENTIALS")
    (row,) = _audit(admin, user, "auth.passkey_refused")
    assert row["new_values"] == {
        "passkey_id": passkey["id"],
        "reason": "sign counter went back",
        "stored": 5,
        "presented": 2,
    }
    assert _sign_in(stack, device.get(_request_options(stack))).status_code == 200  # the original goes on


def test_a_bad_signature_and_garbage_are_invalid_credentials(stack, make_user):
    _, api = make_user()
    device, _ = _register(stack, api)
    assertion = device.get(_request_options(stack))
    assertion["response"]["signature"] = b64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")
    assert _code(_sign_in(stack, assertion)) == (401, "INVALID_CREDENTIALS")
    assert _code(_sign_in(stack, {"id": "x", "response": {}})) == (401, "INVALID_CREDENTIALS")
    odd = device.get(_request_options(stack))
    odd["id"] = odd["rawId"] = "a\u0000b"  # never reaches PostgreSQL
    assert _code(_sign_in(stack, odd)) == (401, "INVALID_CREDENTIALS")


def test_a_passkey_name_is_printable(stack, make_user):
    _, api = make_user()
    _, passkey = _register(stack, api)
    renamed = api.patch(f"/v1/auth/passkeys/{passkey['id']}", json={"name": "bad\u0000name"})
    assert _code(renamed) == (422, "VALIDATION_ERROR")


def test_an_admin_removes_every_passkey_of_a_user_audited(stack, make_user, admin, mailbox):
    user, api = make_user()
    device, _ = _register(stack, api, name="Laptop")
    _register(stack, api, name="Phone")
    assert _code(api.delete(f"/v1/users/{user['id']}/passkeys")) == (403, "FORBIDDEN")
    assert admin.delete(f"/v1/users/{user['id']}/passkeys").status_code == 204
    assert api.get("/v1/auth/passkeys").json()["data"] == []
    (row,) = _audit(admin, user, "user.passkeys_remove")
    assert sorted(entry["name"] for entry in row["old_values"]["passkeys"]) == ["Laptop", "Phone"]
    mailbox.wait_for(user["email"], containing="Laptop, Phone")
    assert _code(_sign_in(stack, device.get(_request_options(stack)))) == (401, "INVALID_CREDENTIALS")
    unknown = admin.delete("/v1/users/00000000-0000-4000-8000-000000000000/passkeys")
    assert _code(unknown) == (404, "USER_NOT_FOUND")


def test_a_password_reset_of_a_never_verified_account_removes_its_passkeys(stack, make_user, anonymous, mailbox):
    """Whoever registered someone else's address first keeps no passkey once the address's
    owner resets the password (as with MFA)."""
    user, api = make_user()
    device, _ = _register(stack, api)
    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    token = reset_token(mailbox, user["email"])
    confirmed = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "N3w!passw0rd"})
    assert confirmed.status_code == 204
    assert _code(_sign_in(stack, device.get(_request_options(stack)))) == (401, "INVALID_CREDENTIALS")
