"""MFA and import commands on the bus: a calling service with a plain AMQP client."""

import uuid

from passlib.hash import argon2

from tests.integration.authenticator import Authenticator, code_step, enrol, password_step
from tests.integration.bus import BusClient
from tests.support import USER_PASSWORD, new_user_body


def _imported(**overrides) -> dict:
    body = new_user_body()
    return {
        "username": body["username"],
        "email": body["email"],
        "first_name": "Im",
        "last_name": "Ported",
        "password_hash": argon2.hash("Old!pass1"),
        **overrides,
    }


def _edge(stack) -> BusClient:
    return BusClient(stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}")


async def test_a_service_enrols_confirms_and_turns_off_mfa_for_a_user(stack, make_user, admin):
    user, api = make_user(verified=True)
    async with BusClient(stack.amqp_url) as bus:
        wrong = await bus.call("auth.mfa_totp_enrol", {"user_id": user["id"], "password": "Wrong!pass1"})
        assert wrong["error"]["code"] == "VALIDATION_ERROR"
        started = await bus.call("auth.mfa_totp_enrol", {"user_id": user["id"], "password": USER_PASSWORD})
        assert started["ok"], started
        authenticator = Authenticator(started["data"]["secret"])
        confirmed = await bus.call("auth.mfa_totp_confirm", {"user_id": user["id"], "code": authenticator.next_code()})
        assert confirmed["ok"] and len(confirmed["data"]["recovery_codes"]) == 10
        assert api.get("/v1/auth/me").status_code == 401  # no session was named to keep: all ended
        assert admin.get(f"/v1/users/{user['id']}").json()["mfa_enabled"] is True
        assert password_step(stack.base_url, user["username"]).json()["mfa_required"] is True
        disabled = await bus.call(
            "auth.mfa_totp_disable",
            {"user_id": user["id"], "password": USER_PASSWORD, "code": confirmed["data"]["recovery_codes"][0]},
        )
        assert disabled == {"ok": True, "data": None}
    assert admin.get(f"/v1/users/{user['id']}").json()["mfa_enabled"] is False
    rows = admin.get("/v1/audit-logs", params={"entity_id": user["id"], "action": "auth.mfa_enable"}).json()["data"]
    assert rows[0]["actor"]["type"] == "service"


async def test_a_service_resets_a_users_mfa(stack, make_user):
    user, api = make_user(verified=True)
    enrol(api)
    async with BusClient(stack.amqp_url) as bus:
        assert await bus.call("user.mfa_disable", {"user_id": user["id"]}) == {"ok": True, "data": None}
        missing = await bus.call("user.mfa_disable", {"user_id": str(uuid.uuid4())})
        assert missing["error"]["code"] == "USER_NOT_FOUND"
    assert api.get("/v1/auth/me").json()["mfa_enabled"] is False


async def test_only_the_edge_sends_the_second_login_step(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    async with BusClient(stack.amqp_url) as bus:
        refused = await bus.call("auth.mfa_verify", {"mfa_token": token, "code": authenticator.next_code()})
    assert refused["ok"] is False and refused["error"]["code"] == "FORBIDDEN"
    async with _edge(stack) as edge:
        verified = await edge.call(
            "auth.mfa_verify",
            {"mfa_token": token, "code": authenticator.last_code()},
            actor={"type": "service", "id": "edge"},
        )
    assert verified["ok"] and verified["data"]["user"]["id"] == user["id"]
    assert code_step(stack.base_url, token, authenticator.next_code()).status_code == 401  # spent


async def test_the_edge_cannot_enrol_a_user_for_someone_else(stack, make_user):
    user, _ = make_user()
    other, _ = make_user()
    async with _edge(stack) as edge:
        refused = await edge.call(
            "auth.mfa_totp_enrol",
            {"user_id": other["id"], "password": USER_PASSWORD},
            actor={"type": "user", "id": user["id"]},
        )
    assert refused["error"]["code"] == "FORBIDDEN"


async def test_a_service_imports_users_and_reruns_skip_them(stack, admin):
    fresh, broken_hash = _imported(), _imported()
    async with BusClient(stack.amqp_url) as bus:
        first = await bus.call("user.import", {"users": [fresh]})
        assert first["ok"], first
        assert (first["data"]["created"], first["data"]["skipped"], first["data"]["rejected"]) == (1, 0, 0)
        second = await bus.call("user.import", {"users": [{**fresh, "first_name": "Other"}, _imported()]})
        assert [result["status"] for result in second["data"]["results"]] == ["skipped", "created"]
        refused = await bus.call("user.import", {"users": [{**broken_hash, "password_hash": "plain"}]})
        assert refused["error"]["code"] == "VALIDATION_ERROR"
        assert refused["error"]["details"][0]["field"] == "users.0.password_hash"
        assert "plain" not in str(refused)
    found = admin.get("/v1/users", params={"search": fresh["username"]}).json()["data"]
    assert [user["first_name"] for user in found] == ["Im"]  # never overwritten
    login = password_step(stack.base_url, fresh["username"], password="Old!pass1")
    assert login.status_code == 200 and login.json()["user"]["email"] == fresh["email"].lower()


async def test_import_is_for_services_only_not_for_users_through_the_edge(stack, admin):
    root = admin.get("/v1/auth/me").json()
    async with _edge(stack) as edge:
        as_admin = await edge.call("user.import", {"users": [_imported()]}, actor={"type": "user", "id": root["id"]})
        as_edge = await edge.call("user.import", {"users": [_imported()]}, actor={"type": "service", "id": "edge"})
    assert as_admin["error"]["code"] == "FORBIDDEN" and as_edge["error"]["code"] == "FORBIDDEN"
    async with BusClient(stack.broker_urls["rogue"]) as rogue:
        assert (await rogue.call("user.import", {"users": [_imported()]}))["error"]["code"] == "FORBIDDEN"


async def test_an_import_takes_at_most_1000_users(stack):
    async with BusClient(stack.amqp_url) as bus:
        too_many = await bus.call("user.import", {"users": [_imported()] * 1001})
    assert too_many["error"]["code"] == "VALIDATION_ERROR"
