"""Refresh, logout and sessions: what a token is worth after each."""

import httpx

from tests.support import USER_PASSWORD, Api, new_user_body


def _login(stack, admin) -> tuple[dict, dict]:
    body = new_user_body()
    user = admin.post("/v1/users", json=body).json()
    response = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": body["username"], "password": USER_PASSWORD}
    )
    return user, response.json()


def _refresh(stack, token: str) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": token})


def _code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_refresh_gives_a_new_pair_and_spends_the_old_refresh_token(stack, admin):
    _, tokens = _login(stack, admin)
    renewed = _refresh(stack, tokens["refresh_token"])
    assert renewed.status_code == 200
    pair = renewed.json()
    assert pair["token_type"] == "Bearer" and pair["refresh_token"] != tokens["refresh_token"]
    assert renewed.headers["Cache-Control"] == "no-store"
    assert Api(stack.base_url, pair["access_token"]).get("/v1/auth/me").status_code == 200


def test_a_reused_refresh_token_revokes_the_whole_session(stack, admin):
    _, tokens = _login(stack, admin)
    pair = _refresh(stack, tokens["refresh_token"]).json()
    assert _code(_refresh(stack, tokens["refresh_token"])) == (401, "INVALID_TOKEN")
    assert _code(Api(stack.base_url, pair["access_token"]).get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert _code(_refresh(stack, pair["refresh_token"])) == (401, "INVALID_TOKEN")


def test_access_tokens_are_not_refresh_tokens(stack, admin):
    _, tokens = _login(stack, admin)
    assert _code(_refresh(stack, tokens["access_token"])) == (401, "INVALID_TOKEN")
    assert _code(Api(stack.base_url, tokens["refresh_token"]).get("/v1/auth/me")) == (401, "INVALID_TOKEN")


def test_logout_ends_access_and_refresh_at_once(stack, admin):
    _, tokens = _login(stack, admin)
    api = Api(stack.base_url, tokens["access_token"])
    assert api.post("/v1/auth/logout").status_code == 204
    assert _code(api.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert _code(_refresh(stack, tokens["refresh_token"])) == (401, "INVALID_TOKEN")


def test_sessions_list_marks_the_current_one_and_revoking_another_ends_it(stack, admin):
    user, first = _login(stack, admin)
    second = httpx.post(
        f"{stack.base_url}/v1/auth/login",
        json={"username": user["username"], "password": USER_PASSWORD},
        headers={"User-Agent": "second-device"},
    ).json()
    api = Api(stack.base_url, first["access_token"])
    sessions = api.get("/v1/auth/sessions").json()["data"]
    assert len(sessions) == 2 and sum(session["current"] for session in sessions) == 1
    other = next(session for session in sessions if not session["current"])
    assert other["user_agent"] == "second-device" and other["ip_address"] == "127.0.0.1"
    assert set(other) == {"id", "created_at", "last_used_at", "ip_address", "user_agent", "current"}
    assert api.delete(f"/v1/auth/sessions/{other['id']}").status_code == 204
    assert _code(Api(stack.base_url, second["access_token"]).get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert len(api.get("/v1/auth/sessions").json()["data"]) == 1


def test_only_admins_revoke_other_users_sessions(stack, admin):
    _, mine = _login(stack, admin)
    _, theirs = _login(stack, admin)
    their_api = Api(stack.base_url, theirs["access_token"])
    their_session = their_api.get("/v1/auth/sessions").json()["data"][0]["id"]
    me = Api(stack.base_url, mine["access_token"])
    assert _code(me.delete(f"/v1/auth/sessions/{their_session}")) == (404, "NOT_FOUND")
    assert their_api.get("/v1/auth/me").status_code == 200
    assert admin.delete(f"/v1/auth/sessions/{their_session}").status_code == 204
    assert _code(their_api.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
