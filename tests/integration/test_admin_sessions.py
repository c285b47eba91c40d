"""GET and DELETE /v1/users/{id}/sessions: every way a session ends, recorded by its real cause
and shown to admins (and to moderators, for plain users), and ending them all at once."""

import uuid

import httpx

from tests.integration.account_flows import reset_token
from tests.integration.authenticator import enrol
from tests.integration.bus import BusClient
from tests.integration.oidc import exchange, signed_in_code
from tests.support import USER_PASSWORD, Api, database

FIELDS = {
    "id",
    "kind",
    "client_id",
    "created_at",
    "last_used_at",
    "ip_address",
    "user_agent",
    "ended_at",
    "end_reason",
    "ended_by",
}


def _login(stack, user: dict, *, password: str = USER_PASSWORD, agent: str = "python-httpx") -> dict:
    response = httpx.post(
        f"{stack.base_url}/v1/auth/login",
        json={"username": user["username"], "password": password},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _session_id(stack, tokens: dict) -> str:
    mine = Api(stack.base_url, tokens["access_token"]).get("/v1/auth/sessions").json()["data"]
    return next(session["id"] for session in mine if session["current"])


def _sessions(api: Api, user: dict) -> dict[str, dict]:
    response = api.get(f"/v1/users/{user['id']}/sessions")
    assert response.status_code == 200, response.text
    return {session["id"]: session for session in response.json()["data"]}


def _code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_logout_and_revocations_are_told_apart_with_who_ended_them(stack, admin, make_user):
    user, _ = make_user()
    names = ("logged_out", "revoked_by_user", "revoked_by_admin", "live")
    tokens = {name: _login(stack, user) for name in names}
    ids = {name: _session_id(stack, tokens[name]) for name in names}
    assert Api(stack.base_url, tokens["logged_out"]["access_token"]).post("/v1/auth/logout").status_code == 204
    own = Api(stack.base_url, tokens["live"]["access_token"])
    assert own.delete(f"/v1/auth/sessions/{ids['revoked_by_user']}").status_code == 204
    assert admin.delete(f"/v1/auth/sessions/{ids['revoked_by_admin']}").status_code == 204
    root = admin.get("/v1/auth/me").json()

    sessions = _sessions(admin, user)
    assert all(set(session) == FIELDS for session in sessions.values())
    assert sessions[ids["logged_out"]]["end_reason"] == "logout"
    assert sessions[ids["logged_out"]]["ended_by"] == {"type": "user", "id": user["id"]}
    assert sessions[ids["revoked_by_user"]]["end_reason"] == "revoked"
    assert sessions[ids["revoked_by_user"]]["ended_by"] == {"type": "user", "id": user["id"]}
    assert sessions[ids["revoked_by_admin"]]["end_reason"] == "revoked"
    assert sessions[ids["revoked_by_admin"]]["ended_by"] == {"type": "user", "id": root["id"]}
    current = sessions[ids["live"]]
    assert (current["end_reason"], current["ended_at"], current["ended_by"]) == (None, None, None)
    assert current["kind"] == "api" and current["ip_address"] == "127.0.0.1" and current["user_agent"] == "python-httpx"
    assert all(sessions[ids[name]]["ended_at"] for name in ("logged_out", "revoked_by_user", "revoked_by_admin"))
    listed = [session["created_at"] for session in sessions.values()]
    assert listed == sorted(listed, reverse=True)  # newest first


def test_a_reused_refresh_token_ends_its_session_as_refresh_reuse_by_no_one(stack, admin, make_user):
    user, _ = make_user()
    tokens = _login(stack, user)
    session_id = _session_id(stack, tokens)
    refresh = f"{stack.base_url}/v1/auth/refresh"
    assert httpx.post(refresh, json={"refresh_token": tokens["refresh_token"]}).status_code == 200
    assert httpx.post(refresh, json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    ended = _sessions(admin, user)[session_id]
    assert (ended["end_reason"], ended["ended_by"]) == ("refresh_reuse", None)


def test_a_password_change_and_a_reset_end_sessions_as_password_change(stack, admin, make_user, anonymous, mailbox):
    user, _ = make_user()
    kept, other = _login(stack, user), _login(stack, user)
    kept_id, other_id = _session_id(stack, kept), _session_id(stack, other)
    changed = Api(stack.base_url, kept["access_token"]).post(
        f"/v1/users/{user['id']}/password", json={"current_password": USER_PASSWORD, "new_password": "S3cond!pass"}
    )
    assert changed.status_code == 204
    sessions = _sessions(admin, user)
    assert sessions[other_id]["end_reason"] == "password_change" and sessions[kept_id]["end_reason"] is None

    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    token = reset_token(mailbox, user["email"])
    reset = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "Th1rd!pass"})
    assert reset.status_code == 204
    after = _sessions(admin, user)
    assert after[kept_id]["end_reason"] == "password_change"
    assert after[kept_id]["ended_by"] == {"type": "user", "id": user["id"]}


def test_deactivation_ends_sessions_as_deactivated_by_whoever_did_it(stack, admin, make_user):
    moderator, moderating = make_user("moderator")
    user, _ = make_user()
    session_id = _session_id(stack, _login(stack, user))
    assert moderating.patch(f"/v1/users/{user['id']}", json={"is_active": False}).status_code == 200
    ended = _sessions(admin, user)[session_id]
    assert ended["end_reason"] == "deactivated" and ended["ended_by"] == {"type": "user", "id": moderator["id"]}


def test_turning_mfa_on_revokes_the_other_sessions(stack, admin, make_user):
    user, api = make_user(verified=True)
    other_id = _session_id(stack, _login(stack, user))
    enrol(api)
    ended = _sessions(admin, user)[other_id]
    assert ended["end_reason"] == "revoked" and ended["ended_by"] == {"type": "user", "id": user["id"]}


async def test_a_session_past_its_end_shows_as_expired(stack, admin, make_user):
    user, _ = make_user()
    tokens = _login(stack, user)
    session_id = _session_id(stack, tokens)
    async with database(stack.owner_database_url) as owner:  # time passes: its refresh token ran out
        await owner.execute(
            """UPDATE "user_sessions" SET "expires_at" = now() - interval '1 hour' WHERE "id" = $1""",
            uuid.UUID(session_id),
        )
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        listed = await http.get(f"/v1/users/{user['id']}/sessions", headers={"Authorization": f"Bearer {admin.token}"})
        refused = await http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ended = {session["id"]: session for session in listed.json()["data"]}[session_id]
    assert (ended["end_reason"], ended["ended_by"]) == ("expired", None) and ended["ended_at"]
    assert refused.status_code == 401


def test_provider_sign_ins_and_grants_end_as_logout_or_revoked(stack, admin, make_user, register_client):
    client = register_client(first_party=True)
    user, api = make_user()
    response, browser, _ = signed_in_code(stack, client, user)
    tokens = exchange(stack, client, response["code"]).json()
    out = browser.http.get("/oauth/logout", params={"id_token_hint": tokens["id_token"]})
    assert out.status_code in (200, 302)
    ended = [session for session in _sessions(admin, user).values() if session["kind"] in ("browser", "grant")]
    assert {session["kind"] for session in ended} == {"browser", "grant"}
    assert {session["end_reason"] for session in ended} == {"logout"}
    assert all(session["client_id"] == client.client_id for session in ended if session["kind"] == "grant")

    third_party = register_client()
    response, _, _ = signed_in_code(stack, third_party, user)
    assert exchange(stack, third_party, response["code"]).status_code == 200
    assert api.delete(f"/v1/auth/consents/{third_party.client_id}").status_code == 204
    grant = next(
        session for session in _sessions(admin, user).values() if session["client_id"] == third_party.client_id
    )
    assert grant["end_reason"] == "revoked" and grant["ended_by"] == {"type": "user", "id": user["id"]}


def test_delete_ends_every_live_session_and_their_tokens_stop_at_once(stack, admin, make_user):
    user, first = make_user()
    second = _login(stack, user)
    spent = _login(stack, user)
    assert Api(stack.base_url, spent["access_token"]).post("/v1/auth/logout").status_code == 204
    assert admin.delete(f"/v1/users/{user['id']}/sessions").status_code == 204
    assert _code(first.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert _code(Api(stack.base_url, second["access_token"]).get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    refreshed = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert refreshed.status_code == 401
    root = admin.get("/v1/auth/me").json()
    sessions = list(_sessions(admin, user).values())
    assert len(sessions) == 3 and all(session["ended_at"] for session in sessions)
    assert sorted(session["end_reason"] for session in sessions) == ["logout", "revoked", "revoked"]
    assert all(s["ended_by"] == {"type": "user", "id": root["id"]} for s in sessions if s["end_reason"] == "revoked")
    assert admin.delete(f"/v1/users/{user['id']}/sessions").status_code == 204  # nothing left: still 204
    trail = admin.get("/v1/audit-logs", params={"entity_id": user["id"], "action": "user.sessions_end"}).json()
    assert trail["data"][0]["new_values"] == {"sessions_ended": 0}
    assert trail["data"][1]["new_values"] == {"sessions_ended": 2}
    login_again = _login(stack, user)  # the account itself is untouched
    assert Api(stack.base_url, login_again["access_token"]).get("/v1/auth/me").status_code == 200


def test_who_may_see_and_end_whose_sessions(stack, admin, make_user):
    _, moderating = make_user("moderator")
    other_moderator, _ = make_user("moderator")
    user, plain = make_user()
    other_user, _ = make_user()
    root = admin.get("/v1/auth/me").json()
    unknown = str(uuid.uuid4())
    for path in (f"/v1/users/{other_user['id']}/sessions", f"/v1/users/{user['id']}/sessions"):
        # A plain user: not even their own through this door (theirs is /v1/auth/sessions).
        assert _code(plain.get(path)) == (403, "FORBIDDEN")
        assert _code(plain.delete(path)) == (403, "FORBIDDEN")
    # The same 403 whether or not the user exists, and for an id that is not one.
    assert _code(plain.get(f"/v1/users/{unknown}/sessions")) == (403, "FORBIDDEN")
    assert _code(plain.get("/v1/users/not-an-id/sessions")) == (403, "FORBIDDEN")

    assert moderating.get(f"/v1/users/{user['id']}/sessions").status_code == 200
    for staff in (root, other_moderator):
        assert _code(moderating.get(f"/v1/users/{staff['id']}/sessions")) == (403, "FORBIDDEN")
        assert _code(moderating.delete(f"/v1/users/{staff['id']}/sessions")) == (403, "FORBIDDEN")
    assert _code(moderating.get(f"/v1/users/{unknown}/sessions")) == (404, "USER_NOT_FOUND")
    assert _code(admin.get(f"/v1/users/{unknown}/sessions")) == (404, "USER_NOT_FOUND")
    assert _code(admin.delete(f"/v1/users/{unknown}/sessions")) == (404, "USER_NOT_FOUND")
    assert admin.get(f"/v1/users/{other_moderator['id']}/sessions").status_code == 200

    assert moderating.delete(f"/v1/users/{user['id']}/sessions").status_code == 204
    assert _code(plain.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert httpx.get(f"{stack.base_url}/v1/users/{user['id']}/sessions").status_code == 401


async def test_a_service_lists_and_ends_a_users_sessions_over_the_bus(stack, make_user):
    user, api = make_user()
    async with BusClient(stack.amqp_url) as service:
        listed = await service.call("user.sessions_list", {"user_id": user["id"]})
        ended = await service.call("user.sessions_end", {"user_id": user["id"]})
        after = await service.call("user.sessions_list", {"user_id": user["id"]})
    assert listed["ok"] and len(listed["data"]["data"]) == 1 and listed["data"]["data"][0]["end_reason"] is None
    assert ended == {"ok": True, "data": None}
    (session,) = after["data"]["data"]
    assert session["end_reason"] == "revoked" and session["ended_by"]["type"] == "service"
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        refused = await http.get("/v1/auth/me", headers={"Authorization": f"Bearer {api.token}"})
    assert refused.status_code == 401
