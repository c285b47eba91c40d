"""Attacks from the broker side: who speaks is decided by RabbitMQ's verified user_id.

`stack.broker_urls` holds the test stack's broker users: the edge, the workers, a calling
service listed in BUS_SERVICES, and a rogue with a service's permissions but not listed.
"""

import asyncio
import json
import uuid

import aio_pika
import aiormq.exceptions
import pytest

from tests.integration.bus import BusClient
from tests.support import new_user_body
from usersvc.edge.routes.users import IDEMPOTENCY_NAMESPACE
from usersvc.settings import url_user
from usersvc.topology import DEAD_LETTER_QUEUE


async def _ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    pass


def _audit_rows(admin, user_id: str) -> list[dict]:
    return admin.get("/v1/audit-logs", params={"entity_id": user_id}).json()["data"]


async def test_a_rogue_broker_user_is_refused_and_changes_nothing(stack, admin, make_user):
    user, _ = make_user()
    async with BusClient(stack.broker_urls["rogue"]) as rogue:
        reply = await rogue.call(
            "user.update", {"user_id": user["id"], "role": "admin"}, actor={"type": "service", "id": "admin-tool"}
        )
        created = await rogue.call("user.create", new_user_body("admin"))
    assert reply["error"]["code"] == "FORBIDDEN" and created["error"]["code"] == "FORBIDDEN"
    assert admin.get(f"/v1/users/{user['id']}").json()["role"] == "user"
    assert "user.update" not in [row["action"] for row in _audit_rows(admin, user["id"])]


async def test_a_command_without_user_id_is_refused(stack, admin, make_user):
    user, _ = make_user()
    async with BusClient(stack.amqp_url) as service:
        reply = await service.call("user.update", {"user_id": user["id"], "last_name": "Changed"}, user_id=None)
    assert reply["error"]["code"] == "FORBIDDEN"
    assert admin.get(f"/v1/users/{user['id']}").json()["last_name"] == "User"


async def test_a_service_claiming_a_user_actor_acts_as_itself_and_cannot_forge_context(stack, admin, make_user):
    user, _ = make_user()
    forged = {"ip": "198.51.100.66", "user_agent": "forged", "request_id": "forged-request"}
    async with BusClient(stack.amqp_url) as service:
        reply = await service.call(
            "user.update",
            {"user_id": user["id"], "last_name": "ByService"},
            actor={"type": "user", "id": user["id"]},
            context=forged,
        )
    assert reply["ok"], reply
    row = _audit_rows(admin, user["id"])[0]
    assert row["action"] == "user.update"
    assert row["actor"] == {"type": "service", "id": service.user}
    assert (row["ip_address"], row["user_agent"], row["request_id"]) == (None, None, None)


@pytest.mark.parametrize(
    "routing_key, data",
    [
        ("auth.login", {"username": "root", "password": "Wrong!pass1"}),
        ("auth.refresh", {"refresh_token": "x" * 40}),
        ("session.check", {"session_id": str(uuid.uuid4())}),
    ],
)
async def test_only_the_edge_may_send_login_refresh_and_session_checks(stack, routing_key, data):
    async with BusClient(stack.amqp_url) as service:
        reply = await service.call(routing_key, data)
    assert reply["error"]["code"] == "FORBIDDEN"


async def test_the_broker_refuses_a_user_id_that_is_not_the_connections(stack, admin, make_user):
    user, _ = make_user()
    edge_user = stack.env["EDGE_RABBITMQ_URL"].split("//")[1].split(":")[0]
    connection = await aio_pika.connect(stack.broker_urls["rogue"])
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("usersvc.commands")
        body = b'{"actor": {"type": "user", "id": "%s"}, "data": {"user_id": "%s", "last_name": "Spoofed"}}' % (
            user["id"].encode(),
            user["id"].encode(),
        )
        with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
            await exchange.publish(
                aio_pika.Message(body, user_id=edge_user, message_id=uuid.uuid4().hex), routing_key="user.update"
            )
    assert admin.get(f"/v1/users/{user['id']}").json()["last_name"] == "User"


@pytest.mark.parametrize("who", ["service", "rogue", "edge"])
async def test_no_one_but_the_workers_can_read_commands_or_forge_replies(stack, who):
    connection = await aio_pika.connect(stack.broker_urls[who])
    async with connection:
        channel = await connection.channel()
        queue = (
            await channel.declare_queue(exclusive=True)
            if who != "edge"
            else await channel.declare_queue(f"usersvc.edge.replies.{uuid.uuid4().hex}", exclusive=True)
        )
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await queue.bind("usersvc.commands", routing_key="auth.login")
        channel = await connection.channel()
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            login_queue = await channel.get_queue("usersvc.auth.login")
            await login_queue.consume(_ignore)
        channel = await connection.channel(publisher_confirms=True)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
            await channel.default_exchange.publish(
                aio_pika.Message(b'{"ok": true, "data": {}}'), routing_key="usersvc.edge.replies.any"
            )


async def test_a_listed_service_can_still_consume_events(stack, admin):
    connection = await aio_pika.connect(stack.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind("usersvc.events", routing_key="user.*")  # allowed: events are for services
        created = admin.post("/v1/users", json=new_user_body()).json()
        async with queue.iterator(timeout=15) as messages:
            async for message in messages:
                event = json.loads(message.body)
                if event["type"] == "user.created" and event["data"]["id"] == created["id"]:
                    break
    assert "password" not in json.dumps(event) and "password_hash" not in json.dumps(event)


async def _message_counts(worker_url: str, queues: list[str]) -> dict[str, int]:
    """How many messages wait in each queue, as the workers' broker user sees them."""
    connection = await aio_pika.connect(worker_url)
    async with connection:
        channel = await connection.channel()
        return {
            name: (await channel.declare_queue(name, passive=True)).declaration_result.message_count for name in queues
        }


@pytest.mark.parametrize("who", ["rogue", "service"])
async def test_no_caller_can_make_the_workers_fill_a_queue_of_usersvcs(stack, admin, make_user, who):
    """reply_to aimed at the dead-letter queue, at another queue of usersvc's, or (FastStream's
    `queue|exchange` form) at usersvc's exchanges: nothing lands there, and a listed service's
    command with such a reply_to is not executed either."""
    user, _ = make_user()
    probe = f"usersvc.probe.{uuid.uuid4().hex}"  # in the workers' name space, as usersvc's queues are
    worker = await aio_pika.connect(stack.broker_urls["worker"])
    async with worker:
        channel = await worker.channel()
        probe_queue = await channel.declare_queue(probe)
        await probe_queue.bind("usersvc.events", routing_key="forged.#")
        await probe_queue.bind("usersvc.dead-letter")
        before = await _message_counts(stack.broker_urls["worker"], [DEAD_LETTER_QUEUE])
        targets = [
            DEAD_LETTER_QUEUE,
            probe,
            f"{probe}|",
            "anything|usersvc.dead-letter",
            "forged.reply|usersvc.events",
            "amq.gen-x|usersvc.dead-letter",
        ]
        async with BusClient(stack.broker_urls[who]) as caller:
            for reply_to in targets:
                await caller.send(
                    "user.update",
                    {"user_id": user["id"], "last_name": "Aimed"},
                    reply_to=reply_to,
                    correlation_id=uuid.uuid4().hex,
                )
            # Same queue, after them: when this is answered, the workers have taken them all.
            answered = await caller.call("user.update", {"user_id": user["id"], "first_name": "Synced"})
        await asyncio.sleep(1)
        after = await _message_counts(stack.broker_urls["worker"], [DEAD_LETTER_QUEUE, probe])
        await probe_queue.delete(if_unused=False, if_empty=False)
    assert after == {DEAD_LETTER_QUEUE: before[DEAD_LETTER_QUEUE], probe: 0}
    assert answered["ok"] if who == "service" else answered["error"]["code"] == "FORBIDDEN"
    assert admin.get(f"/v1/users/{user['id']}").json()["last_name"] == "User"


async def test_the_edge_speaks_for_a_user_with_the_role_the_database_holds_now(stack, admin, make_user):
    """A user write locks its target and reads the actor's role in one statement: a demoted
    or deactivated actor is refused there, whatever they could do when their token was made."""
    target, _ = make_user()
    staff, _ = make_user("admin")
    path = f"/v1/users/{staff['id']}"
    edge_url = stack.broker_urls["edge"]
    async with BusClient(edge_url, reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}") as edge:
        as_staff = {"type": "user", "id": staff["id"]}
        allowed = await edge.call("user.update", {"user_id": target["id"], "last_name": "ByAdmin"}, actor=as_staff)
        assert allowed["ok"], allowed
        assert admin.patch(path, json={"role": "user"}).status_code == 200
        demoted = await edge.call("user.update", {"user_id": target["id"], "role": "admin"}, actor=as_staff)
        assert admin.patch(path, json={"is_active": False}).status_code == 200
        deactivated = await edge.call("user.delete", {"user_id": target["id"]}, actor=as_staff)
        unknown = await edge.call(
            "user.update", {"user_id": target["id"], "role": "admin"}, actor={"type": "user", "id": str(uuid.uuid4())}
        )
    assert demoted["error"]["code"] == "FORBIDDEN"
    assert deactivated["error"]["code"] == "UNAUTHENTICATED"
    assert unknown["error"]["code"] == "UNAUTHENTICATED"
    after = admin.get(f"/v1/users/{target['id']}").json()
    assert (after["role"], after["last_name"]) == ("user", "ByAdmin")


async def test_a_service_still_gets_replies_in_its_own_named_queue_and_by_direct_reply_to(stack, make_user):
    user, _ = make_user()
    service = url_user(stack.amqp_url)
    connection = await aio_pika.connect(stack.amqp_url)
    async with connection:
        channel = await connection.channel()
        named = await channel.declare_queue(f"{service}.replies.{uuid.uuid4().hex}", exclusive=True)
        direct = await channel.get_queue("amq.rabbitmq.reply-to", ensure=False)
        replies: asyncio.Queue = asyncio.Queue()

        async def collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            replies.put_nowait(json.loads(message.body))

        for queue in (named, direct):
            await queue.consume(collect, no_ack=True)
        exchange = await channel.get_exchange("usersvc.commands")
        body = json.dumps({"actor": {"type": "service", "id": service}, "data": {"user_id": user["id"]}}).encode()
        for reply_to in (named.name, "amq.rabbitmq.reply-to"):
            await exchange.publish(
                aio_pika.Message(body, user_id=service, reply_to=reply_to, message_id=uuid.uuid4().hex),
                routing_key="user.get",
            )
        answers = [await asyncio.wait_for(replies.get(), 15) for _ in range(2)]
    assert [answer["data"]["id"] for answer in answers] == [user["id"], user["id"]]


def _edge_message_id(admin, key: str) -> str:
    """The message id the edge sends for this admin's Idempotency-Key: anyone who reads the
    edge's code and knows the admin's id and key can work it out."""
    admin_id = admin.get("/v1/auth/me").json()["id"]
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{admin_id}:{key}"))


async def test_a_service_cannot_pre_record_the_reply_an_admin_gets_for_an_idempotency_key(stack, admin):
    key = f"create-{uuid.uuid4().hex}"
    async with BusClient(stack.amqp_url) as service:
        planted = await service.call("user.create", new_user_body(), message_id=_edge_message_id(admin, key))
    assert planted["ok"], planted
    wanted = new_user_body()
    response = admin.post("/v1/users", json=wanted, headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["username"] == wanted["username"] and created["id"] != planted["data"]["id"]
    assert [row["actor"]["type"] for row in _audit_rows(admin, created["id"])] == ["user"]
    again = admin.post("/v1/users", json=wanted, headers={"Idempotency-Key": key})
    assert (again.status_code, again.json()["id"]) == (201, created["id"])  # still idempotent for the admin


async def test_a_service_cannot_read_the_reply_an_admin_got_for_an_idempotency_key(stack, admin):
    key = f"create-{uuid.uuid4().hex}"
    body = new_user_body()
    assert admin.post("/v1/users", json=body, headers={"Idempotency-Key": key}).status_code == 201
    async with BusClient(stack.amqp_url) as service:
        reply = await service.call("user.create", body, message_id=_edge_message_id(admin, key))
    assert not reply["ok"] and reply["error"]["code"] in {"EMAIL_TAKEN", "USERNAME_TAKEN"}  # run for itself


async def test_the_edge_keeps_each_users_command_ids_apart(stack, make_user):
    """The same message id from the edge, for two users: each command runs as its user's."""
    first, _ = make_user()
    second, _ = make_user()
    message_id = uuid.uuid4().hex
    async with BusClient(stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}") as edge:
        replies = [
            await edge.call(
                "user.update",
                {"user_id": user["id"], "last_name": "Own"},
                actor={"type": "user", "id": user["id"]},
                message_id=message_id,
            )
            for user in (first, second)
        ]
    assert [reply["data"]["id"] for reply in replies] == [first["id"], second["id"]]
