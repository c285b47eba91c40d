"""Redis lost under a steady write load: restarted with no persistence (everything in it gone,
and unreachable meanwhile), then its database flushed (FLUSHDB). Redis holds only what can be
rebuilt: afterwards no read is stale or missing, revoked sessions stay revoked (their
tombstones are gone: the workers answer from the database), rate limits and the login
back-off count again, and list pages are built anew."""

import asyncio
import secrets
import time
import uuid

import httpx
import redis

from tests.rabbitmq_cluster.conftest import LOGIN_BACKOFF_THRESHOLD
from tests.rabbitmq_cluster.faults import QUIET_SECONDS, Timeline, check_and_report, wait_for_recovery
from tests.rabbitmq_cluster.load import WriteLoad
from tests.support import USER_PASSWORD, Api, database, login, new_user_body

LOGIN_LIMIT = 3  # per minute per client IP, on an edge of its own


def fresh_ip() -> str:
    return f"198.18.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def logins(base_url: str, username: str, password: str, times: int) -> list[int]:
    ip = fresh_ip()
    return [
        httpx.post(
            f"{base_url}/v1/auth/login",
            json={"username": username, "password": password},
            headers={"X-Forwarded-For": ip},
            timeout=30,
        ).status_code
        for _ in range(times)
    ]


async def first_names(owner_url: str, user_ids: list[str]) -> dict[str, str]:
    async with database(owner_url) as connection:
        rows = await connection.fetch(
            "SELECT id::text, first_name FROM users WHERE id = ANY($1::uuid[])", [uuid.UUID(i) for i in user_ids]
        )
    return {row["id"]: row["first_name"] for row in rows}


def check_rebuilt(stack, admin: Api, limited_edge: str, *, revoked: Api, user_ids: list[str], tag: str) -> None:
    """What must hold once Redis is back, whatever it lost."""
    # Revoked stays revoked: no tombstone left, the workers answer from the database.
    assert revoked.get("/v1/auth/me").status_code == 401
    # No stale or missing read: each user (read twice: filled, then from the cache) as stored,
    # also right after a change.
    for user_id in user_ids:
        assert admin.patch(f"/v1/users/{user_id}", json={"first_name": f"R{uuid.uuid4().hex[:8]}"}).status_code == 200
    stored = asyncio.run(first_names(stack.owner_database_url, user_ids))
    for user_id in user_ids:
        for _ in range(2):
            seen = admin.get(f"/v1/users/{user_id}")
            assert seen.status_code == 200 and seen.json()["first_name"] == stored[user_id]
    # A list page is built anew, and is right after a write.
    page = {"search": tag, "sort": "username"}
    before = admin.get("/v1/users", params=page).json()["pagination"]["total_items"]
    assert admin.post("/v1/users", json=new_user_body(last_name=tag)).status_code == 201
    assert admin.get("/v1/users", params=page).json()["pagination"]["total_items"] == before + 1
    # Rate limits count again: the login limit of the limited edge holds.
    body = new_user_body()
    assert admin.post("/v1/users", json=body).status_code == 201
    assert logins(limited_edge, body["username"], USER_PASSWORD, LOGIN_LIMIT + 1)[-1] == 429
    # So does the back-off: after the threshold of failures, a further login waits.
    body = new_user_body()
    assert admin.post("/v1/users", json=body).status_code == 201
    statuses = [logins(stack.base_url, body["username"], "Wr0ng!pass", 1)[0] for _ in range(LOGIN_BACKOFF_THRESHOLD)]
    assert statuses == [401] * LOGIN_BACKOFF_THRESHOLD
    assert logins(stack.base_url, body["username"], USER_PASSWORD, 1) == [429]


def test_redis_lost_under_load_rebuilds_and_forgets_nothing_that_matters(stack, admin, private_redis, extra_edge):
    me = admin.get("/v1/auth/me").json()["id"]
    limited_edge = str(extra_edge(RATE_LIMIT_LOGIN=f"{LOGIN_LIMIT}/minute").base_url).rstrip("/")
    tag = f"t{uuid.uuid4().hex[:10]}"
    user_ids = [admin.post("/v1/users", json=new_user_body()).json()["id"] for _ in range(8)]  # under load
    readers = [admin.post("/v1/users", json=new_user_body(last_name=tag)).json()["id"] for _ in range(4)]
    assert all(admin.get(f"/v1/users/{user_id}").status_code == 200 for user_id in readers)  # cached
    # A session revoked before the loss: its tombstone is in Redis, then it is not.
    body = new_user_body()
    assert admin.post("/v1/users", json=body).status_code == 201
    revoked = login(stack.base_url, USER_PASSWORD, username=body["username"])
    assert revoked.post("/v1/auth/logout").status_code == 204
    assert admin.get("/v1/users", params={"search": tag}).status_code == 200  # a cached page
    processes = {name: process.pid for name, process in stack.processes.items()}
    timeline = Timeline()
    with WriteLoad(stack.base_url, admin.token, user_ids) as load:
        time.sleep(QUIET_SECONDS)
        fault = timeline.fault("Redis restarted empty (down 2 s)")
        private_redis.stop()
        time.sleep(2)
        private_redis.start()
        fault.ended = time.monotonic()
        wait_for_recovery(load, fault)
        time.sleep(QUIET_SECONDS)
        check_rebuilt(stack, admin, limited_edge, revoked=revoked, user_ids=readers, tag=tag)

        fault = timeline.fault("Redis FLUSHDB of the service's database")
        with redis.Redis.from_url(private_redis.url) as client:
            client.flushdb()
        fault.ended = time.monotonic()
        wait_for_recovery(load, fault)
        time.sleep(QUIET_SECONDS)
    check_rebuilt(stack, admin, limited_edge, revoked=revoked, user_ids=readers, tag=tag)
    check_and_report(stack, load, timeline, me, "Redis lost")
    assert {name: process.pid for name, process in stack.processes.items()} == processes
