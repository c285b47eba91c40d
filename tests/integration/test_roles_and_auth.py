"""Who may do what, and what tokens are worth."""

import time

import httpx

from tests.support import USER_PASSWORD, Api, new_user_body


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_login_by_email_or_username_returns_the_contracts_tokens(stack, admin):
    body = new_user_body()
    admin.post("/v1/users", json=body)
    for identifier in ({"email": body["email"].upper()}, {"username": body["username"]}):
        response = httpx.post(f"{stack.base_url}/v1/auth/login", json={**identifier, "password": USER_PASSWORD})
        assert response.status_code == 200
        tokens = response.json()
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
        assert tokens["user"]["username"] == body["username"]
        assert tokens["user"]["last_login_at"] is not None
        assert response.headers["Cache-Control"] == "no-store"


def test_wrong_password_unknown_and_inactive_users_get_the_same_401(stack, admin):
    body = new_user_body()
    user = admin.post("/v1/users", json=body).json()
    inactive = new_user_body()
    admin.patch(f"/v1/users/{admin.post('/v1/users', json=inactive).json()['id']}", json={"is_active": False})
    attempts = [
        {"username": body["username"], "password": "Wr0ng!pass"},
        {"username": "nobody_here", "password": USER_PASSWORD},
        {"username": inactive["username"], "password": USER_PASSWORD},
    ]
    for attempt in attempts:
        response = httpx.post(f"{stack.base_url}/v1/auth/login", json=attempt)
        assert _code(response) == (401, "INVALID_CREDENTIALS")
        assert response.json()["error"]["message"] == "Invalid credentials"
    assert user["id"]


def test_bad_and_missing_tokens_are_refused(stack, anonymous):
    assert _code(anonymous.get("/v1/auth/me")) == (401, "UNAUTHENTICATED")
    assert _code(Api(stack.base_url, "not.a.jwt").get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    import jwt

    forged = jwt.encode(
        {"sub": "x", "sid": "y", "jti": "z", "type": "access", "iat": int(time.time()), "exp": int(time.time()) + 60},
        "another-secret-another-secret-another!",
        algorithm="HS256",
    )
    assert _code(Api(stack.base_url, forged).get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    unsigned = jwt.encode({"sub": "x"}, None, algorithm="none")
    assert _code(Api(stack.base_url, unsigned).get("/v1/auth/me")) == (401, "INVALID_TOKEN")


def test_me_returns_the_caller(make_user):
    user, api = make_user()
    response = api.get("/v1/auth/me")
    assert response.status_code == 200 and response.json()["id"] == user["id"]


def test_plain_users_see_only_themselves(make_user):
    user, api = make_user()
    other, _ = make_user()
    assert api.get(f"/v1/users/{user['id']}").status_code == 200
    assert _code(api.get(f"/v1/users/{other['id']}")) == (403, "FORBIDDEN")
    assert _code(api.get("/v1/users")) == (403, "FORBIDDEN")
    assert _code(api.post("/v1/users", json=new_user_body())) == (403, "FORBIDDEN")
    assert _code(api.patch(f"/v1/users/{other['id']}", json={"first_name": "X"})) == (403, "FORBIDDEN")
    assert _code(api.delete(f"/v1/users/{other['id']}")) == (403, "FORBIDDEN")


def test_nobody_changes_their_own_role_or_active_state(make_user, admin):
    user, api = make_user()
    assert _code(api.patch(f"/v1/users/{user['id']}", json={"role": "admin"})) == (403, "FORBIDDEN")
    assert _code(api.patch(f"/v1/users/{user['id']}", json={"is_active": False})) == (403, "FORBIDDEN")
    assert api.patch(f"/v1/users/{user['id']}", json={"first_name": "Me"}).json()["first_name"] == "Me"
    me = admin.get("/v1/auth/me").json()
    assert _code(admin.patch(f"/v1/users/{me['id']}", json={"role": "user"})) == (403, "FORBIDDEN")


def test_moderators_manage_users_but_never_admins_or_roles(make_user):
    moderator, api = make_user("moderator")
    target, _ = make_user()
    boss, _ = make_user("admin")
    assert api.get("/v1/users").status_code == 200
    assert api.patch(f"/v1/users/{target['id']}", json={"is_active": False}).json()["is_active"] is False
    assert _code(api.patch(f"/v1/users/{target['id']}", json={"role": "moderator"})) == (403, "FORBIDDEN")
    assert _code(api.patch(f"/v1/users/{boss['id']}", json={"first_name": "X"})) == (403, "FORBIDDEN")
    assert _code(
        api.put(
            f"/v1/users/{target['id']}",
            json={"username": "x_y_z", "email": "x@example.com", "first_name": "a", "last_name": "b"},
        )
    ) == (403, "FORBIDDEN")
    assert moderator["role"] == "moderator"


def test_deactivated_and_deleted_users_tokens_stop_working_at_once(make_user, admin):
    user, api = make_user()
    assert api.get("/v1/auth/me").status_code == 200
    admin.patch(f"/v1/users/{user['id']}", json={"is_active": False})
    assert _code(api.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    other, other_api = make_user()
    assert other_api.get("/v1/auth/me").status_code == 200
    admin.delete(f"/v1/users/{other['id']}")
    assert _code(other_api.get("/v1/auth/me")) == (401, "INVALID_TOKEN")


def test_a_role_change_applies_to_existing_tokens_at_once(make_user, admin):
    user, api = make_user()
    assert _code(api.get("/v1/users")) == (403, "FORBIDDEN")
    admin.patch(f"/v1/users/{user['id']}", json={"role": "moderator"})
    assert api.get("/v1/users").status_code == 200


def test_password_change_needs_the_current_one_and_revokes_other_sessions(stack, make_user, admin):
    from tests.support import login

    user, api = make_user()
    second = login(stack.base_url, USER_PASSWORD, username=user["username"])
    path = f"/v1/users/{user['id']}/password"
    wrong = api.post(path, json={"current_password": "Wr0ng!pass", "new_password": "N3w!passw"})
    assert _code(wrong) == (422, "VALIDATION_ERROR")
    assert api.post(path, json={"current_password": USER_PASSWORD, "new_password": "N3w!passw"}).status_code == 204
    assert api.get("/v1/auth/me").status_code == 200  # the caller's own session stays
    assert _code(second.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert login(stack.base_url, "N3w!passw", username=user["username"]).get("/v1/auth/me").status_code == 200
    assert admin.post(path, json={"new_password": "Adm1n!set"}).status_code == 204


def test_audit_log_records_each_change_for_admins_only(make_user, admin):
    user, api = make_user()
    admin.patch(f"/v1/users/{user['id']}", json={"last_name": "Audited"})
    entries = admin.get("/v1/audit-logs", params={"entity_id": user["id"]}).json()["data"]
    actions = [entry["action"] for entry in entries]
    assert actions[-1] == "user.create" and "user.update" in actions
    update = next(entry for entry in entries if entry["action"] == "user.update")
    assert update["old_values"]["last_name"] == "User" and update["new_values"]["last_name"] == "Audited"
    assert update["request_id"] and update["ip_address"] == "127.0.0.1"
    assert not any("password" in str(entry).lower() for entry in entries)
    assert _code(api.get("/v1/audit-logs")) == (403, "FORBIDDEN")


def test_login_is_rate_limited_per_client_ip(stack):
    """A second edge with a low login limit (the limit is a setting); counters live in Redis."""
    from tests.support import free_port, wait_ready

    port = free_port()
    stack.spawn("edge-limited", "edge", PORT=str(port), RATE_LIMIT_LOGIN="3/minute")
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        responses = [
            httpx.post(f"http://127.0.0.1:{port}/v1/auth/login", json={"username": "nobody_here", "password": "x"})
            for _ in range(4)
        ]
    finally:
        stack.stop("edge-limited")
    limited = responses[-1]
    assert _code(limited) == (429, "RATE_LIMITED")
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in responses[0].headers
