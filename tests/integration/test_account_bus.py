"""The account commands over AMQP: the edge's own ones, and what a calling service may send."""

import asyncio
import uuid

import httpx

from tests.integration.account_flows import (
    registration_body,
    reset_token,
    verification_token,
)
from tests.integration.bus import BusClient
from tests.support import USER_PASSWORD, login

EDGE_ACTOR = {"type": "service", "id": "edge"}


def as_edge(stack) -> BusClient:
    return BusClient(stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}")


async def test_the_edge_registers_and_verifies_over_the_bus(stack, mailbox):
    body = registration_body()
    async with as_edge(stack) as edge:
        accepted = await edge.call("auth.register", body, actor=EDGE_ACTOR)
        again = await edge.call("auth.register", {**body, "username": f"{body['username']}_2"}, actor=EDGE_ACTOR)
        assert accepted == again == {"ok": True, "data": {"status": "verification_sent"}}  # taken or not: alike
        token = await asyncio.to_thread(verification_token, mailbox, body["email"].lower())
        wrong = await edge.call("auth.verify_email", {"token": token[::-1]}, actor=EDGE_ACTOR)
        verified = await edge.call("auth.verify_email", {"token": token}, actor=EDGE_ACTOR)
    assert wrong["error"]["code"] == "INVALID_TOKEN"  # the bus keeps the contract's code
    assert verified == {"ok": True, "data": None}


async def test_a_service_asks_for_mails_and_the_edge_spends_the_reset_token(stack, make_user, mailbox):
    user, _ = make_user()
    async with BusClient(stack.amqp_url) as service:
        verification = await service.call("auth.request_email_verification", {"user_id": user["id"]})
        reset = await service.call("auth.request_password_reset", {"email": user["email"]})
        unknown = await service.call("auth.request_password_reset", {"email": f"x_{uuid.uuid4().hex}@example.com"})
    assert verification == reset == unknown == {"ok": True, "data": None}
    token = await asyncio.to_thread(reset_token, mailbox, user["email"])
    async with as_edge(stack) as edge:
        reply = await edge.call("auth.reset_password", {"token": token, "new_password": "Fr3sh!pass"}, actor=EDGE_ACTOR)
    assert reply["ok"] and reply["data"]["user"]["id"] == user["id"]
    await asyncio.to_thread(login, stack.base_url, "Fr3sh!pass", username=user["username"])
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        old = await http.post("/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD})
    assert old.status_code == 401


async def test_a_user_may_ask_a_verification_mail_for_itself_only(stack, make_user):
    user, _ = make_user()
    other, _ = make_user()
    async with as_edge(stack) as edge:
        own = await edge.call(
            "auth.request_email_verification", {"user_id": user["id"]}, actor={"type": "user", "id": user["id"]}
        )
        foreign = await edge.call(
            "auth.request_email_verification", {"user_id": other["id"]}, actor={"type": "user", "id": user["id"]}
        )
        missing = await edge.call(
            "auth.request_email_verification", {"user_id": str(uuid.uuid4())}, actor={"type": "user", "id": user["id"]}
        )
    assert own == {"ok": True, "data": None}
    assert foreign["error"]["code"] == missing["error"]["code"] == "FORBIDDEN"  # no existence oracle
