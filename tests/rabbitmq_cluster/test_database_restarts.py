"""PostgreSQL restarted, stopped for a while, and the workers' connections killed, under a
steady write load: the workers reconnect by themselves, no acknowledged write is lost or
doubled, and meanwhile /ready names the database as the failing dependency."""

import asyncio
import time

from tests.rabbitmq_cluster.faults import (
    QUIET_SECONDS,
    ReadinessProbe,
    Timeline,
    check_and_report,
    wait_for_recovery,
)
from tests.rabbitmq_cluster.load import WriteLoad
from tests.support import database, new_user_body

OUTAGE_SECONDS = 3  # how long PostgreSQL stays stopped in the third fault


async def terminate_backends(owner_url: str, role: str) -> int:
    async with database(owner_url) as connection:
        return await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1", role
        )


def test_postgresql_restarts_lose_no_acknowledged_write_and_ready_names_the_database(stack, admin, private_postgres):
    me = admin.get("/v1/auth/me").json()["id"]
    user_ids = [admin.post("/v1/users", json=new_user_body()).json()["id"] for _ in range(8)]
    processes = {name: process.pid for name, process in stack.processes.items()}
    runtime_role = stack.database_url.split("//", 1)[1].split("@", 1)[0]
    timeline = Timeline()
    with ReadinessProbe(stack.base_url) as readiness, WriteLoad(stack.base_url, admin.token, user_ids) as load:
        time.sleep(QUIET_SECONDS)
        fault = timeline.fault("PostgreSQL restarted (pg_ctlcluster restart, fast)")
        private_postgres.ctl("restart")
        fault.ended = time.monotonic()
        wait_for_recovery(load, fault)
        time.sleep(QUIET_SECONDS)

        fault = timeline.fault("the workers' backends killed (pg_terminate_backend)")
        killed = asyncio.run(terminate_backends(stack.owner_database_url, runtime_role))
        fault.ended = time.monotonic()
        wait_for_recovery(load, fault)
        time.sleep(QUIET_SECONDS)

        stopped = timeline.fault(f"PostgreSQL stopped for {OUTAGE_SECONDS} s")
        private_postgres.ctl("stop")
        named = readiness.wait_for("database", since=stopped.started)
        time.sleep(max(0.0, stopped.started + OUTAGE_SECONDS - time.monotonic()))
        private_postgres.ctl("start")
        stopped.ended = time.monotonic()
        wait_for_recovery(load, stopped)
        time.sleep(QUIET_SECONDS)
    print(f"backends killed: {killed}")
    check_and_report(stack, load, timeline, me, "PostgreSQL restarts")
    assert killed > 0
    assert named, f"/ready never named the database: {readiness.failing_between(stopped.started, time.monotonic())}"
    # Only the database was named (the broker, the cache and the workers stayed up) …
    assert set(readiness.failing_between(stopped.started, stopped.ended)) == {"database"}
    # … and /ready said ready again once the writes went through.
    assert readiness.seen[-1][1] == 200, readiness.seen[-1]
    assert {name: process.pid for name, process in stack.processes.items()} == processes
    assert all(process.poll() is None for process in stack.processes.values())
