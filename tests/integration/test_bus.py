"""The bus door: a plain AMQP client, as another service would call usersvc."""

import asyncio
import json
import uuid

import aio_pika
import asyncpg
import pytest

from tests.integration.bus import BusClient
from tests.support import database, new_user_body


def _create_body() -> dict:
    return {k: v for k, v in new_user_body().items()}


async def test_a_service_creates_and_reads_a_user_with_plain_aio_pika(stack):
    async with BusClient(stack.amqp_url) as bus:
        created = await bus.call("user.create", _create_body())
        assert created["ok"] is True
        read = await bus.call("user.get", {"user_id": created["data"]["id"]})
        assert read == created


async def test_a_redelivered_command_takes_effect_once_and_gets_the_first_reply(stack, admin):
    message_id = uuid.uuid4().hex
    body = _create_body()
    async with BusClient(stack.amqp_url) as bus:
        first, second = await asyncio.gather(
            bus.call("user.create", body, message_id=message_id), bus.call("user.create", body, message_id=message_id)
        )
    assert first == second and first["ok"]
    listed = admin.get("/v1/users", params={"search": body["username"]}).json()
    assert listed["pagination"]["total_items"] == 1


async def test_twins_of_a_write_that_both_run_answer_alike_and_write_once(stack, admin):
    """No slow step runs first here, so both twins reach their transaction: the later one
    finds the row as the first left it, and the idempotency record refuses its commit."""
    user = admin.post("/v1/users", json=new_user_body()).json()
    message_id = uuid.uuid4().hex
    body = {"user_id": user["id"], "first_name": f"Twin{message_id[:6]}"}
    async with BusClient(stack.amqp_url) as bus:
        replies = await asyncio.gather(*(bus.call("user.update", body, message_id=message_id) for _ in range(4)))
    assert replies[0]["ok"] and replies[0]["data"]["first_name"] == body["first_name"]
    assert all(reply == replies[0] for reply in replies)
    async with database(stack.owner_database_url) as connection:
        audit_rows = await connection.fetchval("SELECT count(*) FROM audit_logs WHERE command_id = $1", message_id)
        events = await connection.fetchval(
            "SELECT count(*) FROM outbox_events WHERE payload->'data'->>'first_name' = $1", body["first_name"]
        )
    assert (audit_rows, events) == (1, 1)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b"{}",
        json.dumps({"actor": {"type": "service", "id": "t"}, "data": {"user_id": "not-a-uuid"}}).encode(),
    ],
)
async def test_poison_messages_get_a_validation_error_reply(stack, raw):
    async with BusClient(stack.amqp_url) as bus:
        reply = await bus.call("user.get", raw=raw)
        assert reply["ok"] is False and reply["error"]["code"] == "VALIDATION_ERROR"
        # and the worker is still serving
        assert (await bus.call("user.create", _create_body()))["ok"]


async def test_fire_and_forget_writes_and_poison_without_reply_do_not_block(stack, admin):
    body = _create_body()
    async with BusClient(stack.amqp_url) as bus:
        await bus.send("user.get", raw=b"\xff\xfe garbage")
        await bus.send("user.create", body)
    for _ in range(50):
        found = admin.get("/v1/users", params={"search": body["username"]}).json()["data"]
        if found:
            break
        await asyncio.sleep(0.1)
    assert found and found[0]["username"] == body["username"]


async def test_reads_after_bus_writes_are_never_stale(stack, admin):
    user = admin.post("/v1/users", json=new_user_body()).json()
    path = f"/v1/users/{user['id']}"
    assert admin.get(path).json()["last_name"] == "User"  # cached now
    assert admin.get("/v1/users", params={"search": user["username"]}).json()["data"][0]["last_name"] == "User"
    async with BusClient(stack.amqp_url) as bus:
        for name in ("Bus1", "Bus2"):
            reply = await bus.call("user.update", {"user_id": user["id"], "last_name": name})
            assert reply["ok"]
            assert admin.get(path).json()["last_name"] == name
            assert admin.get("/v1/users", params={"search": user["username"]}).json()["data"][0]["last_name"] == name


async def test_committed_changes_publish_events_without_secrets(stack):
    connection = await aio_pika.connect(stack.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind("usersvc.events", routing_key="user.*")
        async with BusClient(stack.amqp_url) as bus:
            created = (await bus.call("user.create", _create_body()))["data"]
            refused = await bus.call("user.create", {**_create_body(), "email": created["email"]})
            assert refused["error"]["code"] == "EMAIL_TAKEN"
            await bus.call("user.delete", {"user_id": created["id"]})
        events = []
        async with queue.iterator(timeout=10) as messages:
            async for message in messages:
                await message.ack()
                events.append(json.loads(message.body))
                if len(events) == 2:
                    break
    assert [event["type"] for event in events] == ["user.created", "user.deleted"]
    assert events[0]["data"]["id"] == created["id"] and events[0]["event_id"] and events[0]["occurred_at"]
    assert "password" not in json.dumps(events)


async def test_the_database_refuses_to_change_audit_rows(stack, admin):
    admin.post("/v1/users", json=new_user_body())
    # As the owner: the runtime role may not even try (tests/security), the trigger stops the rest.
    async with database(stack.owner_database_url) as connection:
        for statement in ("UPDATE audit_logs SET action = 'x'", "DELETE FROM audit_logs", "TRUNCATE audit_logs"):
            with pytest.raises(asyncpg.PostgresError, match="append-only"):
                await connection.execute(statement)
        assert await connection.fetchval("SELECT count(*) FROM audit_logs") > 0
