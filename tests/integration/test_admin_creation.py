"""`create-admin` goes through user.create's own work: audit row and user.created event."""

import json
import subprocess
import sys
import uuid

import aio_pika

from tests.support import ADMIN_PASSWORD, login


def _create_admin(stack, *, email: str, username: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "create-admin", "--email", email, "--username", username],
        env={**stack.env, "USERSVC_ADMIN_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_create_admin_writes_an_audit_row_and_publishes_user_created(stack, admin):
    connection = await aio_pika.connect(stack.amqp_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.declare_queue(exclusive=True)
        await events.bind("usersvc.events", routing_key="user.created")
        name = f"adm_{uuid.uuid4().hex[:10]}"
        result = _create_admin(stack, email=f"{name}@example.com", username=name, password=ADMIN_PASSWORD)
        assert result.returncode == 0, result.stderr
        created = json.loads(result.stdout[result.stdout.index("{") :])
        async with events.iterator(timeout=20) as messages:  # the outbox relay publishes it
            async for message in messages:
                event = json.loads(message.body)
                if event["data"]["id"] == created["id"]:
                    break
    assert event["type"] == "user.created" and event["data"]["role"] == "admin"
    rows = admin.get("/v1/audit-logs", params={"entity_id": created["id"]}).json()["data"]
    assert [(row["action"], row["actor"]) for row in rows] == [("user.create", {"type": "service", "id": "bootstrap"})]
    assert "password" not in json.dumps(rows)
    assert login(stack.base_url, ADMIN_PASSWORD, username=name.upper()).get("/v1/auth/me").status_code == 200


def test_create_admin_refuses_a_taken_username_in_one_line(stack):
    result = _create_admin(
        stack, email=f"x{uuid.uuid4().hex[:8]}@example.com", username="ROOT", password=ADMIN_PASSWORD
    )
    assert result.returncode != 0
    assert (
        result.stderr.strip().splitlines()[-1]
        == "usersvc: create-admin refused: USERNAME_TAKEN: That username is already taken"
    )
