"""Keeping Redis true: writes after commit SET, query fills SET NX, tombstones stick.

Two commands that touch one session commit in some order, then write Redis in any order:
a logout's tombstone can land before a role change's (or a refresh's) live entry for the
same session. So entries are written by ENTRY_SCRIPT, which never replaces a tombstone
with a live value; tombstones are always written. The same holds for deleted users.

Every command here touches one key, so the pipelines work on a Redis Cluster too (redis-py
sends each node its part, concurrently); there scripts go as EVAL, as its pipelines refuse
EVALSHA (see _entry).
"""

import asyncio
import logging

import orjson
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError

from usersvc.cache_keys import (
    ENTRY_SCRIPT,
    FILL,
    LOGIN_ACCOUNT_SECONDS,
    LOGIN_HOLD_SCRIPT,
    MEMBERS,
    NO_ACCOUNT,
    TOMBSTONE,
    WRITE,
    CacheKeys,
    account_subject,
    changed_dependencies,
    page_entry,
)
from usersvc.redis_pipeline import RedisPipeline
from usersvc.settings import Settings
from usersvc.workers.metrics import CACHE_WRITE_FAILURES

log = logging.getLogger(__name__)

# A command waits for its cache update, so a sick Redis may cost it about this much.
WRITE_BUDGET_SECONDS = 1.0
RETRY_DELAYS_SECONDS = (0.05, 0.15, 0.3)
INVALIDATE_TIMEOUT_SECONDS = 0.25


class WorkerCache:
    def __init__(self, redis: Redis, *, keys: CacheKeys, ttl_seconds: int, session_ttl_seconds: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl = ttl_seconds
        self.session_ttl = session_ttl_seconds
        self._entry_script = redis.register_script(ENTRY_SCRIPT)
        self._login_hold = redis.register_script(LOGIN_HOLD_SCRIPT)
        self._cluster = isinstance(redis, RedisCluster)
        # One server: the writes after each commit go pipelined on one connection
        # (usersvc/redis_pipeline.py), cheaper than redis-py's pipeline (docs/scaling.md).
        self._pipeline = None if self._cluster else RedisPipeline(redis)

    @classmethod
    def for_settings(cls, redis: Redis, settings: Settings) -> "WorkerCache":
        # A session entry outlives the access tokens that may still ask for it.
        return cls(
            redis,
            keys=CacheKeys(settings.redis_key_prefix),
            ttl_seconds=settings.cache_ttl_seconds,
            session_ttl_seconds=settings.access_token_expire_minutes * 60 + 60,
        )

    async def fill_user(self, view: dict) -> None:
        await self.redis.set(self.keys.user(view["id"]), orjson.dumps(view), ex=self.ttl, nx=True)

    async def list_generations(self, dependencies: list[str]) -> str:
        """A page's counters joined by dots, as the edge's page script joins them."""
        counters = await self.redis.mget([self.keys.list_generation(name) for name in dependencies])
        # bytes: the client decodes nothing (no decode_responses); str only in redis-py's types.
        return ".".join(
            (counter.decode() if isinstance(counter, bytes) else counter) if counter else "0" for counter in counters
        )

    async def fill_page(self, *, generations: str, query: dict, page: dict) -> None:
        """A page as its ids (the edge assembles it from the users' entries), and the users'
        entries themselves where missing: one round trip."""
        ids = [user["id"] for user in page["data"]]
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(
            self.keys.user_page(generations, query),
            page_entry(ids=ids, pagination=page["pagination"]),
            ex=self.ttl,
            nx=True,
        )
        for view in page["data"]:
            self._entry(pipe, self.keys.user(view["id"]), orjson.dumps(view), self.ttl, FILL)
        try:
            await pipe.execute()
        except NoScriptError:
            await self.redis.script_load(ENTRY_SCRIPT)

    async def check_login(self, *, identifier: str, user_id: object | None, client: str | None) -> int:
        """At a login, before its password is checked: note which account (None: none) the
        identifier names, for the edge's per-account back-off, and return the milliseconds
        left on that account's hold (the identifier's when it names none), 0 when there is
        none or `client` logged in to it lately. The same two calls for every identifier, so
        an unknown one costs what a real one does. A Redis failure leaves the edge's own
        check in charge (0)."""
        subject = identifier if user_id is None else account_subject(user_id)
        mapping = NO_ACCOUNT if user_id is None else str(user_id).encode()
        known = self.keys.login_known_client(subject, client or "")
        try:
            _, left_ms = await asyncio.gather(
                self.redis.set(self.keys.login_account(identifier), mapping, ex=LOGIN_ACCOUNT_SECONDS),
                self._login_hold(keys=[self.keys.login_held_back(subject), known]),
            )
        except Exception as error:
            log.warning("could not check the login back-off: %s", type(error).__name__)
            return 0
        return int(left_ms)

    async def fill_session(self, session_id: str, entry: dict | None) -> None:
        """session.check's answer; a tombstone from it is the database's word, so always written."""
        value = orjson.dumps(entry) if entry else TOMBSTONE
        await self._entry_script(keys=[self.keys.session(session_id)], args=[value, self.session_ttl, FILL])

    async def apply(self, changes: "CacheChanges") -> None:
        """Called after commit: one round trip, retried briefly; if the new values cannot be
        written, the affected keys are deleted so readers ask the workers (the database)."""
        if changes.empty():
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WRITE_BUDGET_SECONDS
        for delay in (*RETRY_DELAYS_SECONDS, None):
            try:
                async with asyncio.timeout_at(deadline):
                    await self._write(changes)
                return
            except Exception as error:
                CACHE_WRITE_FAILURES.labels("write").inc()
                # Only the class: redis-py's messages quote the pipeline's commands, values included.
                failure = type(error).__name__
            if delay is None or loop.time() + delay >= deadline:
                break
            await asyncio.sleep(delay)
        await self._invalidate(changes, failure=failure)

    async def aclose(self) -> None:
        if self._pipeline is not None:
            await self._pipeline.aclose()

    async def _write(self, changes: "CacheChanges") -> None:
        try:
            await self._send_writes(changes)
        except NoScriptError:  # Redis restarted or flushed its scripts since we last wrote
            await self.redis.script_load(ENTRY_SCRIPT)
            await self._send_writes(changes)

    async def _send_writes(self, changes: "CacheChanges") -> None:
        if self._pipeline is not None:
            commands: list[tuple] = [
                ("EVALSHA", self._entry_script.sha, 1, key, value, ttl, WRITE)
                for key, value, ttl in self._entries(changes)
            ]
            commands += [("INCR", key) for key in self._generation_keys(changes)]
            await self._pipeline.call_all(commands)
            return
        pipe = self.redis.pipeline(transaction=False)
        for key, value, ttl in self._entries(changes):
            self._entry(pipe, key, value, ttl, WRITE)
        self._bump_generations(pipe, changes)
        await pipe.execute()

    def _entry(self, pipe, key: str, value: bytes, ttl: int, mode: str) -> None:
        """ENTRY_SCRIPT on `pipe`. EVALSHA by hand: a Script called on a pipeline costs a
        SCRIPT EXISTS round trip. A cluster pipeline refuses EVALSHA, so there the script's
        text goes along (EVAL, which cannot fail with NoScriptError)."""
        if self._cluster:
            pipe.eval(ENTRY_SCRIPT, 1, key, value, ttl, mode)
        else:
            pipe.evalsha(self._entry_script.sha, 1, key, value, ttl, mode)

    def _generation_keys(self, changes: "CacheChanges") -> list[str]:
        return [self.keys.list_generation(name) for name in sorted(changes.list_dependencies())]

    def _bump_generations(self, pipe, changes: "CacheChanges") -> None:
        for key in self._generation_keys(changes):
            pipe.incr(key)

    def _entries(self, changes: "CacheChanges") -> list[tuple[str, bytes, int]]:
        entries = [(self.keys.user(view["id"]), orjson.dumps(view), self.ttl) for view in changes.users]
        entries += [(self.keys.user(user_id), TOMBSTONE, self.ttl) for user_id in changes.deleted_users]
        entries += [
            (self.keys.session(session_id), orjson.dumps(entry) if entry else TOMBSTONE, self.session_ttl)
            for session_id, entry in changes.sessions.items()
        ]
        return entries

    async def _invalidate(self, changes: "CacheChanges", *, failure: str) -> None:
        """A missing entry sends the edge to a worker, which reads the database: for a session
        that is session.check, so even a revoke whose tombstone was lost is refused there."""
        keys = [key for key, _, _ in self._entries(changes)]
        try:
            async with asyncio.timeout(INVALIDATE_TIMEOUT_SECONDS):
                pipe = self.redis.pipeline(transaction=False)
                for key in keys:  # one key each: a cluster's keys are in many slots
                    pipe.delete(key)
                self._bump_generations(pipe, changes)
                await pipe.execute()
        except Exception as error:
            CACHE_WRITE_FAILURES.labels("invalidate").inc()
            log.error(
                "cache update after commit failed (%s), and deleting its %d key(s) too (%s): "
                "they may be stale for up to %ss",
                failure,
                len(keys),
                type(error).__name__,
                max(self.ttl, self.session_ttl),
            )
            return
        log.warning("cache update after commit failed (%s); deleted its %d key(s) instead", failure, len(keys))


class CacheChanges:
    """What a committed command changes in the cache; filled in while the command runs."""

    def __init__(self) -> None:
        self.users: list[dict] = []
        self.deleted_users: list[str] = []
        self.sessions: dict[str, dict | None] = {}
        self._moved: set[str] = set()  # list page dependencies changed (usersvc/cache_keys.py)

    def changed_user(self, *, old: dict | None, new: dict) -> None:
        """A user changed (old None: created); which cached list pages that can change is
        decided by the fields that changed."""
        self.users.append(new)
        self._moved |= changed_dependencies(old, new)

    def list_dependencies(self) -> set[str]:
        """The list page counters to bump: what the changes can have moved (a login moves
        nothing but updated_at; a deletion changes membership)."""
        return self._moved | ({MEMBERS} if self.deleted_users else set())

    def empty(self) -> bool:
        return not (self.users or self.deleted_users or self.sessions)
