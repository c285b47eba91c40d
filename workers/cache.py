"""Keeping Redis true: writes after commit SET unconditionally, query fills SET NX."""

import logging

import orjson
from redis.asyncio import Redis

from usersvc.cache_keys import TOMBSTONE, CacheKeys

log = logging.getLogger(__name__)


class WorkerCache:
    def __init__(self, redis: Redis, *, keys: CacheKeys, ttl_seconds: int, session_ttl_seconds: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl = ttl_seconds
        self.session_ttl = session_ttl_seconds

    async def fill_user(self, view: dict) -> None:
        await self.redis.set(self.keys.user(view["id"]), orjson.dumps(view), ex=self.ttl, nx=True)

    async def list_generation(self) -> bytes:
        return await self.redis.get(self.keys.list_generation()) or b"0"

    async def fill_list(self, generation: bytes, query: dict, page: dict) -> None:
        await self.redis.set(self.keys.user_list(generation, query), orjson.dumps(page),
                             ex=self.ttl, nx=True)

    async def fill_session(self, session_id: str, entry: dict | None) -> None:
        value = orjson.dumps(entry) if entry else TOMBSTONE
        await self.redis.set(self.keys.session(session_id), value, ex=self.session_ttl, nx=True)

    async def apply(self, changes: "CacheChanges") -> None:
        """Called after commit. A failure here is logged: entries expire within the TTL."""
        if changes.empty():
            return
        pipe = self.redis.pipeline(transaction=False)
        for view in changes.users:
            pipe.set(self.keys.user(view["id"]), orjson.dumps(view), ex=self.ttl)
        for user_id in changes.deleted_users:
            pipe.set(self.keys.user(user_id), TOMBSTONE, ex=self.ttl)
        for session_id, entry in changes.sessions.items():
            pipe.set(self.keys.session(session_id), orjson.dumps(entry) if entry else TOMBSTONE,
                     ex=self.session_ttl)
        if changes.users or changes.deleted_users:
            pipe.incr(self.keys.list_generation())
        try:
            await pipe.execute()
        except Exception:
            log.exception("cache update after commit failed; entries expire within %ss", self.ttl)


class CacheChanges:
    """What a committed command changes in the cache; filled in while the command runs."""

    def __init__(self) -> None:
        self.users: list[dict] = []
        self.deleted_users: list[str] = []
        self.sessions: dict[str, dict | None] = {}

    def empty(self) -> bool:
        return not (self.users or self.deleted_users or self.sessions)
