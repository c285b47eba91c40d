"""WorkerCache against a real Redis: tombstones stick whatever order writes land in, and a
failed write after commit never leaves a stale entry behind.

A private redis-server (no persistence) per module: these tests flush its scripts and
restrict a user's commands, which must not touch the shared server.
"""

import time
import uuid

import orjson
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from tests.support import free_port, redis_server
from usersvc.cache_keys import MEMBERS, TOMBSTONE, CacheKeys
from usersvc.workers.cache import CacheChanges, WorkerCache

TTL_SECONDS = 60


@pytest.fixture(scope="module")
def redis_port():
    port = free_port()
    with redis_server(port):
        yield port


@pytest.fixture
async def redis(redis_port):
    client = Redis(port=redis_port)
    yield client
    await client.aclose()


_OPEN_CACHES: list[WorkerCache] = []


@pytest.fixture(autouse=True)
async def _close_caches():
    yield
    while _OPEN_CACHES:
        await _OPEN_CACHES.pop().aclose()


def _cache(redis: Redis, keys: CacheKeys | None = None) -> WorkerCache:
    cache = WorkerCache(
        redis,
        keys=keys or CacheKeys(f"t-{uuid.uuid4().hex[:8]}"),
        ttl_seconds=TTL_SECONDS,
        session_ttl_seconds=TTL_SECONDS,
    )
    _OPEN_CACHES.append(cache)
    return cache


def _changes(*, users=(), deleted_users=(), sessions=None) -> CacheChanges:
    changes = CacheChanges()
    for view in users:
        changes.changed_user(old=None, new=view)  # as a create: list membership changes
    changes.deleted_users, changes.sessions = list(deleted_users), sessions or {}
    return changes


def _live(role: str = "user") -> dict:
    return {"user_id": "u1", "role": role}


def _failures(step: str) -> float:
    return REGISTRY.get_sample_value("usersvc_cache_write_failures_total", {"step": step}) or 0.0


async def test_a_live_session_entry_landing_after_the_tombstone_leaves_the_tombstone(redis):
    cache = _cache(redis)
    await cache.apply(_changes(sessions={"s1": None}))  # the logout's write lands first
    await cache.apply(_changes(sessions={"s1": _live("moderator")}))  # the role change's, late
    assert await redis.get(cache.keys.session("s1")) == TOMBSTONE


async def test_a_tombstone_replaces_a_live_entry_and_live_entries_replace_each_other(redis):
    cache = _cache(redis)
    await cache.apply(_changes(sessions={"s1": _live()}))
    await cache.apply(_changes(sessions={"s1": _live("admin")}))
    assert orjson.loads(await redis.get(cache.keys.session("s1"))) == _live("admin")
    assert 0 < await redis.ttl(cache.keys.session("s1")) <= TTL_SECONDS
    await cache.apply(_changes(sessions={"s1": None}))
    assert await redis.get(cache.keys.session("s1")) == TOMBSTONE


async def test_a_deleted_users_tombstone_survives_a_late_update(redis):
    cache = _cache(redis)
    view = {"id": "u1", "username": "late"}
    await cache.apply(_changes(deleted_users=["u1"]))
    await cache.apply(_changes(users=[view]))
    assert await redis.get(cache.keys.user("u1")) == TOMBSTONE
    assert await redis.get(cache.keys.list_generation(MEMBERS)) == b"2"  # each write still bumps its counters


async def test_session_check_fills_never_revive_and_always_tombstone(redis):
    cache = _cache(redis)
    await cache.apply(_changes(sessions={"s1": None}))
    await cache.fill_session("s1", _live())  # computed before the revoke committed
    assert await redis.get(cache.keys.session("s1")) == TOMBSTONE
    await cache.apply(_changes(sessions={"s2": _live("admin")}))
    await cache.fill_session("s2", _live("user"))  # a fill never replaces a commit's write
    assert orjson.loads(await redis.get(cache.keys.session("s2"))) == _live("admin")
    await cache.fill_session("s2", None)  # the database says it has ended: that wins
    assert await redis.get(cache.keys.session("s2")) == TOMBSTONE


async def test_writes_recover_when_redis_lost_its_scripts(redis):
    cache = _cache(redis)
    await redis.script_flush()  # as after a Redis restart
    await cache.apply(_changes(sessions={"s1": None}))
    await redis.script_flush()
    await cache.apply(_changes(sessions={"s1": _live()}))
    await redis.script_flush()
    await cache.fill_session("s2", _live())
    assert await redis.get(cache.keys.session("s1")) == TOMBSTONE
    assert orjson.loads(await redis.get(cache.keys.session("s2"))) == _live()


async def test_a_write_that_keeps_failing_deletes_the_stale_entries_instead(redis, redis_port):
    cache = _cache(redis)
    stale_view = {"id": "u1", "username": "old"}
    await cache.apply(_changes(users=[stale_view], sessions={"s1": _live()}))
    # A real refusal of the writes only (as a full or read-only Redis gives), DEL and INCR allowed.
    await redis.execute_command("ACL", "SETUSER", "no-writes", "on", ">pw", "~*", "+@all", "-set", "-evalsha")
    refusing = Redis(port=redis_port, username="no-writes", password="pw")
    writes_before, invalidations_before = _failures("write"), _failures("invalidate")
    try:
        await _cache(refusing, cache.keys).apply(
            _changes(users=[{"id": "u1", "username": "new"}], sessions={"s1": None})
        )
    finally:
        await refusing.aclose()
        await redis.execute_command("ACL", "DELUSER", "no-writes")
    assert _failures("write") - writes_before >= 2  # retried, and every attempt counted
    assert _failures("invalidate") == invalidations_before
    # Neither the old user nor the revoked session's live entry is served: readers ask a worker.
    assert await redis.get(cache.keys.user("u1")) is None
    assert await redis.get(cache.keys.session("s1")) is None
    assert int(await redis.get(cache.keys.list_generation(MEMBERS))) > 1  # cached list pages are not read


async def test_an_unreachable_redis_costs_a_command_about_a_second_and_is_counted(caplog):
    unreachable = Redis(port=free_port())  # nothing listens there
    cache = _cache(unreachable)
    writes_before, invalidations_before = _failures("write"), _failures("invalidate")
    started = time.monotonic()
    try:
        await cache.apply(_changes(users=[{"id": "u1", "email": "secret@example.com"}], sessions={"s1": None}))
    finally:
        await unreachable.aclose()
    assert time.monotonic() - started < 2.0
    assert _failures("write") > writes_before
    assert _failures("invalidate") == invalidations_before + 1
    assert "secret@example.com" not in caplog.text  # logged without values
    assert "stale" in caplog.text
