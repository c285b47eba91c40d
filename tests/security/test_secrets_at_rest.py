"""No secret rests in a queue or a log (docs/api.md, "Bus" and "Configuration").

Secret-bearing commands are forced through every way a message can leave its queue
without being executed — expiry, rejection, too many redeliveries — while no worker runs;
a stand-in consumer with the workers' broker identity plays the failing worker. Then every
dead letter is read and searched for the secrets. A non-secret command put through the
same treatment must arrive in the dead-letter queue, so the scan is known to see them.
"""

import asyncio
import json
import subprocess
import uuid

import aio_pika
import httpx

from tests.integration.bus import BusClient
from tests.support import (
    ADMIN_PASSWORD,
    USER_PASSWORD,
    free_port,
    new_user_body,
    wait_ready,
)

SECRET_COMMANDS = (
    "auth.login",
    "auth.refresh",
    "user.create",
    "user.change_password",
    "user.update",
    "user.replace",
)
# Not secret-bearing: dead-lettered like any other (never run: the workers are stopped).
CONTROL_COMMAND = "user.delete"


def _secret_bearing(routing_key: str, secret: str, user_id: str) -> dict:
    profile = {name: value for name, value in new_user_body().items() if name not in ("password", "role")}
    return {
        "auth.login": {"username": "root", "password": secret},
        "auth.refresh": {"refresh_token": secret},
        "user.create": {**new_user_body(), "password": secret},
        "user.change_password": {"user_id": user_id, "current_password": secret, "new_password": secret},
        # A user changing their own email re-authenticates with current_password.
        "user.update": {"user_id": user_id, "email": profile["email"], "current_password": secret},
        "user.replace": {**profile, "user_id": user_id, "current_password": secret},
    }[routing_key]


async def _settle_everything(channel: aio_pika.abc.AbstractChannel, queue_name: str) -> list[bytes]:
    """Reject what is marked 'reject', requeue the rest until the broker gives up on it."""
    queue = await channel.get_queue(queue_name)
    seen = []
    for _ in range(200):
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        seen.append(message.body)
        if b"reject" in message.body:
            await message.reject(requeue=False)
        else:
            await message.nack(requeue=True)
    return seen


async def _drain(channel: aio_pika.abc.AbstractChannel, queue_name: str) -> list[bytes]:
    queue = await channel.get_queue(queue_name)
    bodies = []
    while (message := await queue.get(no_ack=False, fail=False)) is not None:
        bodies.append(message.body)
        await message.ack()
    return bodies


def _restart_workers(stack) -> None:
    stack.spawn("worker-1", "worker")
    stack.spawn("worker-2", "worker")
    wait_ready(stack.base_url)


async def test_secret_bearing_commands_never_reach_the_dead_letter_queue(stack, make_user):
    user, _ = make_user()
    secrets = {mode: f"Sec!{mode}{uuid.uuid4().hex[:12]}A1" for mode in ("expire", "reject", "retry")}
    control = {mode: f"control-{mode}-{uuid.uuid4().hex[:8]}" for mode in ("reject", "retry")}
    for name in ("worker-1", "worker-2"):
        stack.stop(name)
    try:
        async with BusClient(
            stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}"
        ) as edge:  # the edge may send all of these
            for routing_key in SECRET_COMMANDS:
                for mode, secret in secrets.items():
                    data = _secret_bearing(routing_key, secret, user["id"])
                    await edge.send(
                        routing_key,
                        data,
                        actor={"type": "user", "id": user["id"]},
                        context={"request_id": mode},
                        expiration=0.2 if mode == "expire" else None,
                    )
            for mode, marker in control.items():
                await edge.send(
                    CONTROL_COMMAND,
                    {"user_id": user["id"]},
                    actor={"type": "user", "id": user["id"]},
                    context={"request_id": f"{mode}-{marker}"},
                )
        await asyncio.sleep(1.0)  # the expiring ones expire
        connection = await aio_pika.connect(stack.broker_urls["worker"])
        async with connection:
            channel = await connection.channel()
            for routing_key in SECRET_COMMANDS:
                seen = b"".join(await _settle_everything(channel, f"usersvc.{routing_key}"))
                assert secrets["reject"].encode() in seen and secrets["retry"].encode() in seen
                assert secrets["expire"].encode() not in seen  # expired in the broker, never delivered
            await _settle_everything(channel, f"usersvc.{CONTROL_COMMAND}")
            await asyncio.sleep(0.5)
            dead = b"\n".join(await _drain(channel, "usersvc.dead-letter"))
    finally:
        await asyncio.to_thread(_restart_workers, stack)
    for marker in control.values():
        assert marker.encode() in dead, "the control command should have been dead-lettered"
    for secret in secrets.values():
        assert secret.encode() not in dead


async def test_debug_logs_hold_no_password_or_token(stack, make_user):
    """A worker and an edge at LOG_LEVEL=DEBUG see a login, a refresh, a user creation, a
    password change and an email change; their logs must not contain any of the secrets."""
    user_body = new_user_body()
    new_password = f"New!{uuid.uuid4().hex[:10]}a1"
    for name in ("worker-1", "worker-2"):
        stack.stop(name)
    port = str(free_port())
    debug_env = {"LOG_LEVEL": "DEBUG", "PORT": port}
    stack.spawn("worker-debug", "worker", **debug_env)
    stack.spawn("edge-debug", "edge", **debug_env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_ready, base_url)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            admin = (await http.post("/v1/auth/login", json={"username": "root", "password": ADMIN_PASSWORD})).json()
            headers = {"Authorization": f"Bearer {admin['access_token']}"}
            created = (await http.post("/v1/users", json=user_body, headers=headers)).json()
            login = (
                await http.post("/v1/auth/login", json={"username": user_body["username"], "password": USER_PASSWORD})
            ).json()
            refreshed = await http.post("/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
            changed = await http.post(
                f"/v1/users/{created['id']}/password",
                headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
                json={"current_password": USER_PASSWORD, "new_password": new_password},
            )
            moved = await http.patch(
                f"/v1/users/{created['id']}",
                headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
                json={"email": f"moved_{uuid.uuid4().hex[:10]}@example.com", "current_password": new_password},
            )
            assert (refreshed.status_code, changed.status_code, moved.status_code) == (200, 204, 200), moved.text
    finally:
        stack.stop("edge-debug")
        stack.stop("worker-debug")
        await asyncio.to_thread(_restart_workers, stack)
    logs = "".join(stack.log_text(name) for name in ("worker-debug", "edge-debug"))
    assert "DEBUG" in logs  # the level really was DEBUG
    secrets = [
        ADMIN_PASSWORD,
        USER_PASSWORD,
        new_password,
        login["refresh_token"],
        login["access_token"],
        refreshed.json()["refresh_token"],
        json.dumps(USER_PASSWORD)[1:-1],
    ]
    for secret in secrets:
        assert secret not in logs
    hashes = subprocess.run(
        ["grep", "-c", r"\$2b\$", stack.log_path("worker-debug")],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert hashes == "0", "password hashes in the log"
