"""Commands through FastStream's TestRabbitBroker: the real routing (workers/routing.py) and
CommandMiddleware in front of the handlers, with no RabbitMQ. Who may send what, and how a
body that fails validation is answered, are decided there, before any handler runs.

The middleware sits on a router here, not on the broker as in workers/app.py: a test broker's
request() runs broker middlewares over the reply too, which has no user_id."""

import uuid

import orjson
import pytest
from faststream.rabbit import RabbitBroker, RabbitRouter, TestRabbitBroker

from tests.fast.world import EDGE, World
from usersvc.workers.app import HANDLERS
from usersvc.workers.middleware import command_middleware
from usersvc.workers.routing import COMMANDS, command_router


@pytest.fixture
async def bus(world: World):
    broker = RabbitBroker()
    commands = RabbitRouter(middlewares=[command_middleware(world.settings)])
    commands.include_router(command_router(world.deps, HANDLERS))
    broker.include_router(commands)
    async with TestRabbitBroker(broker) as test_broker:
        yield test_broker


async def request(bus, routing_key: str, body: dict, *, user_id: str = EDGE, message_id: str | None = None) -> dict:
    reply = await bus.request(
        orjson.dumps(body),
        exchange=COMMANDS,
        routing_key=routing_key,
        user_id=user_id,
        message_id=message_id or str(uuid.uuid4()),
        content_type="application/json",
    )
    return orjson.loads(reply.body)


async def test_a_command_from_the_edge_runs_its_handler(world: World, bus):
    admin = world.user("admin")
    actor = {"type": "user", "id": str(admin.id)}
    reply = await request(bus, "user.get", {"actor": actor, "data": {"user_id": str(admin.id)}})
    assert reply["ok"] and reply["data"]["id"] == str(admin.id)


async def test_a_redelivery_over_the_bus_answers_as_the_first(world: World, bus):
    admin, user = world.user("admin"), world.user()
    body = {"actor": {"type": "user", "id": str(admin.id)}, "data": {"user_id": str(user.id), "last_name": "Bus"}}
    first = await request(bus, "user.update", body, message_id="bus-1")
    assert await request(bus, "user.update", body, message_id="bus-1") == first
    assert first["data"]["last_name"] == "Bus" and len(world.store.audit_rows("user.update")) == 1


async def test_a_body_that_fails_validation_is_a_validation_error(world: World, bus):
    reply = await request(bus, "user.get", {"actor": {"type": "service", "id": "edge"}, "data": {"user_id": "nope"}})
    assert reply["error"]["code"] == "VALIDATION_ERROR"
    assert reply["error"]["details"][0]["field"].endswith("user_id")


async def test_a_broker_user_that_is_neither_the_edge_nor_a_service_is_refused_unrun(world: World, bus):
    body = {"actor": {"type": "service", "id": "x"}, "data": {"username": "nobody_x"}}
    reply = await request(bus, "auth.register", body, user_id="stranger")
    assert reply["error"]["code"] == "FORBIDDEN"
    assert world.store.users == {}


async def test_a_calling_service_creates_a_user_and_is_audited_as_itself(world: World, bus):
    data = {"username": "bus_user", "email": "bus@example.com", "password": "Passw0rd!", "first_name": "B"}
    body = {"actor": {"type": "user", "id": str(uuid.uuid4())}, "data": {**data, "last_name": "U"}}
    reply = await request(bus, "user.create", body, user_id="billing")
    assert reply["ok"], reply
    (row,) = world.store.audit_rows("user.create")
    assert (row["actor_type"], row["actor_id"]) == ("service", "billing")  # whatever the body says


async def test_a_service_may_not_send_the_edges_own_commands(world: World, bus):
    body = {"actor": {"type": "service", "id": "billing"}, "data": {"token": "t"}}
    reply = await request(bus, "auth.verify_email", body, user_id="billing")
    assert reply["error"]["code"] == "FORBIDDEN"
