"""The broker users' recipe: definitions files RabbitMQ accepts, kept in sync with the code."""

import json
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import aio_pika
import aiormq.exceptions

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


async def _connects(url: str) -> bool:
    try:
        connection = await aio_pika.connect(url)
    except aiormq.exceptions.ProbableAuthenticationError:
        return False
    await connection.close()
    return True


@contextmanager
def _throwaway_vhost(run: str):
    vhost = f"access-{run}"
    try:
        yield vhost
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", "--", vhost], check=False, timeout=60)
        for user in subprocess.run(
            ["rabbitmqctl", "-q", "list_users"], check=True, capture_output=True, text=True, timeout=60
        ).stdout.split():
            if user.startswith(vhost):
                subprocess.run(["rabbitmqctl", "-q", "delete_user", "--", user], check=True, timeout=60)


async def test_a_generated_definitions_file_loads_and_its_passwords_work():
    run = uuid.uuid4().hex[:8]
    with _throwaway_vhost(run) as vhost:
        user, password = f"{vhost}-svc", f"pw-{run}"
        definitions = json.dumps(broker_access.definitions(vhost, [("service", user, password)]))
        subprocess.run(
            ["rabbitmqctl", "-q", "import_definitions"], input=definitions, text=True, check=True, timeout=60
        )  # from standard input: the broker's own user cannot read our temp files
        assert await _connects(f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}")
        assert not await _connects(f"amqp://{user}:not-{password}@127.0.0.1:5672/{vhost}")


async def test_passwords_that_look_like_options_are_set_and_work():
    """A generated password may begin with `-`: rabbitmqctl must not read it as an option."""
    run = uuid.uuid4().hex[:8]
    with _throwaway_vhost(run) as vhost:
        accounts = [("service", f"{vhost}-svc", f"-{run}"), ("edge", f"{vhost}-edge", f"--help-{run}")]
        broker_access.apply(vhost, accounts)
        broker_access.apply(vhost, [("service", f"{vhost}-svc", f"-changed-{run}")])  # an existing user
        assert await _connects(f"amqp://{vhost}-svc:-changed-{run}@127.0.0.1:5672/{vhost}")
        assert not await _connects(f"amqp://{vhost}-svc:-{run}@127.0.0.1:5672/{vhost}")
        assert await _connects(f"amqp://{vhost}-edge:--help-{run}@127.0.0.1:5672/{vhost}")
