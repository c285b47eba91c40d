"""Workers killed mid-command: nothing is lost and nothing is written twice."""

import asyncio
import subprocess
import time
import uuid

from tests.integration.bus import BusClient
from tests.support import new_user_body, wait_ready


def _restart_workers(stack, *, kill: bool) -> None:
    for name in ("worker-1", "worker-2"):
        if name in stack.processes:
            stack.stop(name, kill=kill)
    stack.spawn("worker-1", "worker")
    stack.spawn("worker-2", "worker")
    # The edge keeps a readiness answer for a second (READY_RESULT_SECONDS): one from before
    # the workers stopped would pass at once.
    time.sleep(1.2)
    wait_ready(stack.base_url)


async def test_commands_sent_while_workers_die_run_exactly_once(stack, admin):
    bodies = [new_user_body() for _ in range(20)]
    async with BusClient(stack.amqp_url) as bus:
        replies = [
            asyncio.ensure_future(bus.call("user.create", body, message_id=uuid.uuid4().hex, timeout=60))
            for body in bodies
        ]
        await asyncio.sleep(0.05)  # some are in flight, some still queued
        await asyncio.to_thread(_restart_workers, stack, kill=True)
        results = await asyncio.gather(*replies, return_exceptions=True)
    # Every caller hears back: a redelivered command answers like the first (or a twin).
    assert all(isinstance(result, dict) for result in results), results
    for body in bodies:
        found = admin.get("/v1/users", params={"search": body["username"]}).json()
        assert found["pagination"]["total_items"] == 1, body["username"]


async def test_a_command_waits_in_its_queue_while_no_worker_runs(stack, admin):
    for name in ("worker-1", "worker-2"):
        stack.stop(name)
    body = new_user_body()
    try:
        async with BusClient(stack.amqp_url) as bus:
            await bus.send("user.create", body)  # fire and forget, nobody listening
    finally:
        await asyncio.to_thread(_restart_workers, stack, kill=False)
    for _ in range(100):
        listed = admin.get("/v1/users", params={"search": body["username"]})
        assert listed.status_code == 200, listed.text
        if listed.json()["data"]:
            break
        await asyncio.sleep(0.1)
    assert admin.get("/v1/users", params={"search": body["username"]}).json()["pagination"]["total_items"] == 1


def test_the_edge_answers_504_or_503_not_a_hang_when_no_worker_runs(stack, admin):
    for name in ("worker-1", "worker-2"):
        stack.stop(name)
    try:
        response = admin.get(f"/v1/users/{uuid.uuid4()}", timeout=30)
    finally:
        _restart_workers(stack, kill=False)
    assert (response.status_code, response.json()["error"]["code"]) == (504, "UPSTREAM_TIMEOUT")


def _broker(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


def test_a_broker_restart_gives_503_meanwhile_and_full_service_after(stack, admin):
    """Restarts this machine's RabbitMQ node: edge and workers must reconnect by themselves."""
    user = admin.post("/v1/users", json=new_user_body()).json()
    _broker("stop_app")
    try:
        started = time.monotonic()
        during = admin.patch(f"/v1/users/{user['id']}", json={"first_name": "During"}, timeout=30)
        waited = time.monotonic() - started
    finally:
        _broker("start_app")
    assert (during.status_code, during.json()["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert waited < 5
    wait_ready(stack.base_url, timeout=90)
    after = admin.patch(f"/v1/users/{user['id']}", json={"first_name": "After"})
    assert after.status_code == 200 and after.json()["first_name"] == "After"
    assert admin.get(f"/v1/users/{user['id']}").json()["first_name"] == "After"


def test_a_worker_stopped_while_it_starts_exits_promptly(stack):
    """SIGTERM during start-up used to leave aio-pika reconnecting forever after shutdown."""
    for delay in (0.3, 0.6, 0.9, 1.2):
        process = stack.spawn("worker-stopped-early", "worker")
        time.sleep(delay)
        process.terminate()
        try:
            process.wait(timeout=10)
        finally:
            stack.processes.pop("worker-stopped-early", None)
            if process.poll() is None:
                process.kill()
        assert process.returncode is not None
