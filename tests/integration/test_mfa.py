"""TOTP MFA over HTTP: enrolment, the two-step login, recovery codes, turning it off."""

import random
from urllib.parse import parse_qs, urlsplit

from tests.integration.authenticator import Authenticator, code_step, enrol, password_step
from tests.support import USER_PASSWORD, Api


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def _client_ip() -> str:
    return f"198.51.100.{random.randint(1, 254)}"


def _mfa_token(stack, user: dict, **kwargs) -> str:
    response = password_step(stack.base_url, user["username"], **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["mfa_token"]


def test_enrolment_gives_a_secret_and_an_otpauth_uri_and_confirmation_turns_mfa_on(make_user):
    user, api = make_user(verified=True)
    assert api.get("/v1/auth/me").json()["mfa_enabled"] is False
    _, recovery_codes, started = enrol(api)
    uri = urlsplit(started["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == f"/usersvc:{user['email'].replace('@', '%40')}"
    assert parse_qs(uri.query)["issuer"] == ["usersvc"] and parse_qs(uri.query)["secret"] == [started["secret"]]
    assert len(recovery_codes) == 10 == len(set(recovery_codes))
    me = api.get("/v1/auth/me")
    assert me.json()["mfa_enabled"] is True and me.headers["Cache-Control"] == "no-store"


def test_the_user_resource_shows_mfa_enabled_everywhere(make_user, admin):
    user, api = make_user(verified=True)
    enrol(api)
    assert admin.get(f"/v1/users/{user['id']}").json()["mfa_enabled"] is True
    listed = admin.get("/v1/users", params={"search": user["username"]}).json()["data"]
    assert [entry["mfa_enabled"] for entry in listed] == [True]


def test_enrolment_needs_the_current_password_and_a_right_code(make_user):
    _, api = make_user(verified=True)
    wrong = api.post("/v1/auth/mfa/totp", json={"password": "Wrong!pass1"})
    assert _code(wrong) == (422, "VALIDATION_ERROR") and wrong.json()["error"]["details"][0]["field"] == "password"
    started = api.post("/v1/auth/mfa/totp", json={"password": USER_PASSWORD}).json()
    authenticator = Authenticator(started["secret"])
    right = authenticator.next_code()
    refused = api.post("/v1/auth/mfa/totp/confirm", json={"code": "000000" if right != "000000" else "111111"})
    assert _code(refused) == (422, "VALIDATION_ERROR")
    assert api.get("/v1/auth/me").json()["mfa_enabled"] is False
    assert api.post("/v1/auth/mfa/totp/confirm", json={"code": right}).status_code == 200
    again = api.post("/v1/auth/mfa/totp", json={"password": USER_PASSWORD})
    assert _code(again) == (422, "VALIDATION_ERROR")  # on already: turn it off first


def test_confirm_without_a_pending_enrolment_is_refused(make_user):
    _, api = make_user()
    assert _code(api.post("/v1/auth/mfa/totp/confirm", json={"code": "123456"})) == (422, "VALIDATION_ERROR")


def test_login_with_mfa_takes_two_steps_and_the_password_alone_gives_no_tokens(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    first = password_step(stack.base_url, user["username"])
    assert first.status_code == 200
    body = first.json()
    assert body["mfa_required"] is True and body["expires_in"] == 300
    assert not {"access_token", "refresh_token", "user"} & set(body)
    second = code_step(stack.base_url, body["mfa_token"], authenticator.next_code())
    assert second.status_code == 200, second.text
    tokens = second.json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"] and tokens["user"]["id"] == user["id"]
    assert tokens["user"]["last_login_at"] is not None and second.headers["Cache-Control"] == "no-store"
    assert Api(stack.base_url, tokens["access_token"]).get("/v1/auth/me").status_code == 200


def test_a_wrong_password_with_mfa_on_is_refused_as_without(stack, make_user):
    user, api = make_user(verified=True)
    enrol(api)
    assert _code(password_step(stack.base_url, user["username"], password="Wrong!pass1")) == (
        401,
        "INVALID_CREDENTIALS",
    )


def test_a_code_is_accepted_once(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    code = authenticator.next_code()
    assert code_step(stack.base_url, _mfa_token(stack, user), code).status_code == 200
    assert _code(code_step(stack.base_url, _mfa_token(stack, user), code)) == (401, "INVALID_CREDENTIALS")


def test_the_code_that_confirmed_enrolment_cannot_log_in(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    assert _code(code_step(stack.base_url, _mfa_token(stack, user), authenticator.last_code())) == (
        401,
        "INVALID_CREDENTIALS",
    )


def test_a_recovery_code_logs_in_once(stack, make_user):
    user, api = make_user(verified=True)
    _, recovery_codes, _ = enrol(api)
    code = recovery_codes[3]
    assert code_step(stack.base_url, _mfa_token(stack, user), code.upper()).status_code == 200
    assert _code(code_step(stack.base_url, _mfa_token(stack, user), code)) == (401, "INVALID_CREDENTIALS")
    assert code_step(stack.base_url, _mfa_token(stack, user), recovery_codes[4]).status_code == 200


def test_five_wrong_codes_spend_the_mfa_token(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    token = _mfa_token(stack, user)
    for wrong in ("000001", "000002", "000003", "000004", "aaaaa-bbbbb"):
        assert _code(code_step(stack.base_url, token, wrong)) == (401, "INVALID_CREDENTIALS")
    spent = code_step(stack.base_url, token, authenticator.next_code())
    assert _code(spent) == (401, "INVALID_TOKEN")
    assert code_step(stack.base_url, _mfa_token(stack, user), authenticator.next_code()).status_code == 200


def test_an_mfa_token_is_spent_by_its_login(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, recovery_codes, _ = enrol(api)
    token = _mfa_token(stack, user)
    assert code_step(stack.base_url, token, authenticator.next_code()).status_code == 200
    assert _code(code_step(stack.base_url, token, recovery_codes[0])) == (401, "INVALID_TOKEN")


def test_the_user_turns_mfa_off_with_password_and_code(stack, make_user, admin):
    user, api = make_user(verified=True)
    authenticator, recovery_codes, _ = enrol(api)
    no_code = api.delete("/v1/auth/mfa/totp", json={"password": USER_PASSWORD, "code": "000000"})
    assert _code(no_code) == (422, "VALIDATION_ERROR")
    bad_password = api.delete("/v1/auth/mfa/totp", json={"password": "Wrong!pass1", "code": recovery_codes[0]})
    assert _code(bad_password) == (422, "VALIDATION_ERROR")
    assert (
        api.delete("/v1/auth/mfa/totp", json={"password": USER_PASSWORD, "code": authenticator.next_code()}).status_code
        == 204
    )
    assert api.get("/v1/auth/me").json()["mfa_enabled"] is False
    login = password_step(stack.base_url, user["username"])
    assert login.status_code == 200 and "access_token" in login.json()
    actions = [row["action"] for row in admin.get("/v1/audit-logs", params={"entity_id": user["id"]}).json()["data"]]
    assert {"auth.mfa_enrol", "auth.mfa_enable", "auth.mfa_disable"} <= set(actions)
    assert _code(api.delete("/v1/auth/mfa/totp", json={"password": USER_PASSWORD, "code": recovery_codes[1]})) == (
        422,
        "VALIDATION_ERROR",
    )  # off already; its recovery codes went with it


def test_a_recovery_code_can_turn_mfa_off(make_user):
    _, api = make_user(verified=True)
    _, recovery_codes, _ = enrol(api)
    assert (
        api.delete("/v1/auth/mfa/totp", json={"password": USER_PASSWORD, "code": recovery_codes[9]}).status_code == 204
    )


def test_an_admin_turns_a_users_mfa_off_and_it_is_audited(stack, make_user, admin):
    user, api = make_user(verified=True)
    enrol(api)
    before = admin.get(f"/v1/users/{user['id']}")
    assert admin.delete(f"/v1/users/{user['id']}/mfa").status_code == 204
    after = admin.get(f"/v1/users/{user['id']}")
    assert after.json()["mfa_enabled"] is False and after.headers["ETag"] != before.headers["ETag"]
    rows = admin.get("/v1/audit-logs", params={"entity_id": user["id"], "action": "user.mfa_disable"}).json()["data"]
    assert len(rows) == 1
    assert rows[0]["actor"]["type"] == "user" and rows[0]["actor"]["id"] == admin.get("/v1/auth/me").json()["id"]
    assert rows[0]["old_values"]["mfa_enabled"] is True and rows[0]["new_values"]["mfa_enabled"] is False
    assert "access_token" in password_step(stack.base_url, user["username"]).json()


def test_only_admins_reset_mfa_and_not_their_own(make_user, admin):
    user, api = make_user()
    other, _ = make_user()
    assert _code(api.delete(f"/v1/users/{other['id']}/mfa")) == (403, "FORBIDDEN")
    assert _code(api.delete("/v1/users/not-a-uuid/mfa")) == (403, "FORBIDDEN")
    _, moderator_api = make_user(role="moderator")
    assert _code(moderator_api.delete(f"/v1/users/{user['id']}/mfa")) == (403, "FORBIDDEN")
    me = admin.get("/v1/auth/me").json()
    assert _code(admin.delete(f"/v1/users/{me['id']}/mfa")) == (403, "FORBIDDEN")
    assert _code(admin.delete("/v1/users/00000000-0000-0000-0000-00000000abcd/mfa")) == (404, "USER_NOT_FOUND")


def test_wrong_codes_count_in_the_login_back_off_and_a_pending_login_does_not_reset_it(stack, make_user):
    """Back-off threshold 10: five wrong codes, then four, then one, across three password
    steps that were right; if a right password reset the count, the last would not be held."""
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    client = _client_ip()
    for wrong_codes in (5, 4, 1):
        token = _mfa_token(stack, user, client_ip=client)
        for _ in range(wrong_codes):
            assert _code(code_step(stack.base_url, token, "000000", client_ip=client))[0] == 401
    held = code_step(stack.base_url, token, authenticator.next_code(), client_ip=client)
    assert _code(held) == (429, "RATE_LIMITED") and int(held.headers["Retry-After"]) > 0
    assert _code(password_step(stack.base_url, user["username"], client_ip=client)) == (429, "RATE_LIMITED")


def test_a_completed_mfa_login_resets_the_back_off(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    client, elsewhere = _client_ip(), "203.0.113.77"
    for wrong_codes in (5, 4):
        token = _mfa_token(stack, user, client_ip=client)
        for _ in range(wrong_codes):
            code_step(stack.base_url, token, "000000", client_ip=client)
    assert code_step(stack.base_url, token, authenticator.next_code(), client_ip=client).status_code == 200
    # From another client (the first is now known, so exempt anyway): one more failure is the
    # first since the reset, not the tenth.
    token = _mfa_token(stack, user, client_ip=elsewhere)
    assert _code(code_step(stack.base_url, token, "000000", client_ip=elsewhere))[0] == 401
    assert password_step(stack.base_url, user["username"], client_ip=elsewhere).status_code == 200
