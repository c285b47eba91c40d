"""The broker users' recipe: definitions files RabbitMQ accepts, kept in sync with the code."""

import json
import subprocess
import uuid
from pathlib import Path

import aio_pika

from usersvc import broker_access

DEFINITIONS = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "definitions.json"


def test_the_compose_definitions_grant_exactly_what_the_code_says():
    definitions = json.loads(DEFINITIONS.read_text())
    kinds = {"usersvc-edge": "edge", "usersvc-worker": "worker"}
    for grant in definitions["permissions"]:
        rules = broker_access.permissions(kinds.get(grant["user"], "service"), grant["user"])
        assert (grant["configure"], grant["write"], grant["read"]) == (rules.configure, rules.write, rules.read)
    assert all(user["tags"] == [] for user in definitions["users"])
    assert "guest" not in {user["name"] for user in definitions["users"]}


async def test_a_generated_definitions_file_loads_and_its_passwords_work():
    run = uuid.uuid4().hex[:8]
    vhost, user, password = f"defs-{run}", f"defs-{run}-svc", f"pw-{run}"
    definitions = json.dumps(broker_access.definitions(vhost, [("service", user, password)]))
    subprocess.run(
        ["rabbitmqctl", "-q", "import_definitions"], input=definitions, text=True, check=True, timeout=60
    )  # from standard input: the broker's own user cannot read our temp files
    try:
        connection = await aio_pika.connect(f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}")
        await connection.close()
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=True, timeout=60)
        subprocess.run(["rabbitmqctl", "-q", "delete_user", user], check=True, timeout=60)
