"""A request's admission in one Redis round trip: its session (revocation), its rate-limit
count, and the cache entries it will answer from; for a list page, the page and its users.

Each Redis round trip on the read path costs real throughput, so the token's session, the
rate-limit counter and the cached entity come from one Lua script call (the scripts live
with the key scheme in usersvc/cache_keys.py). The token is verified by edge/bearer.py, the
session judged by edge/session_check.py, the limit by edge/rate_limits.py.

On a Redis Cluster (usersvc/redis_client.py) a script may only touch keys of one slot, and a
request's keys are spread over slots (and nodes) on purpose: there the same reads and counts
go out as concurrent single-slot commands, still one round trip of latency. A list page
takes two everywhere: the checks with the page entry, then its users (_assemble_page).
"""

import asyncio
from typing import cast

from limits import RateLimitItem
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sanic import Request

from usersvc.cache_keys import (
    ADMIT_PAGE_SCRIPT,
    ADMIT_SCRIPT,
    COUNT_SCRIPT,
    EVERY_WRITE,
    PAGE_LOOKUP_SCRIPT,
    TOMBSTONE,
    CacheKeys,
)
from usersvc.domain.errors import ErrorCode
from usersvc.edge.bearer import bearer_claims, require_client_scope
from usersvc.edge.bus import RpcClient
from usersvc.edge.caller import Caller, client_subject
from usersvc.edge.errors import ApiError
from usersvc.edge.rate_limits import counter_of, enforce
from usersvc.edge.session_check import caller_of
from usersvc.redis_pipeline import RedisPipeline
from usersvc.tokens import TokenVerifier


def page_json(pagination: bytes, users: list[bytes]) -> bytes:
    """A list page's body from its pagination and its users' cached JSON entries."""
    return b'{"data":[' + b",".join(users) + b'],"pagination":' + pagination + b"}"


class Gate:
    def __init__(self, *, redis: Redis, keys: CacheKeys, tokens: TokenVerifier, rpc: RpcClient) -> None:
        self.redis = redis
        self.keys = keys
        self.tokens = tokens
        self.rpc = rpc
        self._cluster = isinstance(redis, RedisCluster)
        # One server: the scripts share one pipelined connection (usersvc/redis_pipeline.py).
        self._pipeline = None if self._cluster else RedisPipeline(redis)
        scripts = self._pipeline or redis
        self._admit_script = scripts.register_script(ADMIT_SCRIPT)
        self._count_script = scripts.register_script(COUNT_SCRIPT)
        self._admit_page_script = scripts.register_script(ADMIT_PAGE_SCRIPT)
        self._page_lookup_script = redis.register_script(PAGE_LOOKUP_SCRIPT)  # cluster only
        self._read_page_script = scripts.register_script(PAGE_LOOKUP_SCRIPT)  # read_page

    async def aclose(self) -> None:
        if self._pipeline is not None:
            await self._pipeline.aclose()

    async def admit(
        self,
        request: Request,
        *,
        limit: RateLimitItem,
        scope: str,
        cache_keys: tuple[str, ...] = (),
        client_scope: str | None = None,
        weight: int = 1,
    ) -> tuple[Caller, list]:
        """Authenticate, count `weight` against the limit, and read `cache_keys`, all at once.
        `client_scope`: what a token issued to an OAuth client needs here (edge/bearer.py)."""
        claims = bearer_claims(request, self.tokens)
        require_client_scope(claims, client_scope)
        window, counter_key = counter_of(self.keys, limit, scope=scope, subject=claims["sub"])
        keys = [self.keys.session(claims["sid"]), counter_key, *cache_keys]
        try:
            if self._cluster:
                session, count, *cached = await self._admit_across_slots(keys, limit.get_expiry(), weight)
            else:
                session, count, *cached = await self._admit_script(keys=keys, args=[limit.get_expiry(), weight])
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        caller = await caller_of(request, claims=claims, session=session, rpc=self.rpc)
        enforce(request, limit, count=count, window=window)
        return caller, cached

    async def admit_page(
        self,
        request: Request,
        *,
        limit: RateLimitItem,
        scope: str,
        dependencies: list[str],
        page_key_template: str,
        client_scope: str | None = None,
        weight: int = 1,
    ) -> tuple[Caller, bytes | None, str]:
        """Authenticate, count `weight`, and read a cached list page assembled from its users'
        current entries (so a change to one user is seen at once): one script call, then one
        MGET. Also returns the list generations read, which a miss's fill must not predate."""
        claims = bearer_claims(request, self.tokens)
        require_client_scope(claims, client_scope)
        window, counter_key = counter_of(self.keys, limit, scope=scope, subject=claims["sub"])
        keys = [
            self.keys.session(claims["sid"]),
            counter_key,
            *(self.keys.list_generation(name) for name in dependencies),
            self.keys.list_generation(EVERY_WRITE),
        ]
        try:
            if self._cluster:
                session, count, page, state = await self._page_across_slots(
                    keys, limit.get_expiry(), page_key_template, weight
                )
            else:
                session, count, state, entry = await self._admit_page_script(
                    keys=keys, args=[limit.get_expiry(), page_key_template, weight]
                )
                page = await self._assemble_page(entry) if entry else None
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        caller = await caller_of(request, claims=claims, session=session, rpc=self.rpc)
        enforce(request, limit, count=count, window=window)
        return caller, page, state.decode()

    async def read_page(self, *, dependencies: list[str], page_key_template: str) -> tuple[bytes | None, str]:
        """A cached list page for a request admitted already (a GraphQL `users` field): as
        admit_page's, from its entry and its users' current entries (None on a miss), and the
        list generations read. Two round trips: the page lookup, then its users."""
        keys = [
            *(self.keys.list_generation(name) for name in dependencies),
            self.keys.list_generation(EVERY_WRITE),
        ]
        try:
            entry, state = await self._read_page_script(keys=keys, args=[page_key_template])
            page = await self._assemble_page(entry) if entry else None
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        return page, state.decode()

    async def _admit_across_slots(self, keys: list[str], expiry: int, weight: int) -> list:
        """ADMIT_SCRIPT on a cluster: its reads and its count as concurrent commands, each
        sent to its key's node. Nothing here needs the script's atomicity: the reads are
        independent, and the count is still one script on one key."""
        session_key, counter_key, *cache_keys = keys
        return await asyncio.gather(
            self.redis.get(session_key),
            self._count_script(keys=[counter_key], args=[expiry, weight]),
            *(self.redis.get(key) for key in cache_keys),
        )

    async def _page_across_slots(self, keys: list[str], expiry: int, page_key_template: str, weight: int) -> list:
        """ADMIT_PAGE_SCRIPT on a cluster, in two round trips: the session, the count and the
        page lookup (generations and page entry, one slot: {users}) concurrently; then the
        page's users, one MGET per slot. Their entries stay spread over the cluster, so the
        cache is not all on one node; only the small list index is.

        Still never stale after a write: a write updates its users' entries and bumps the
        generations before it answers, so a request that starts after the answer reads the
        new generation (no page filled before the write is reachable from it) and then the
        new entries. Entries read a moment after the page can only be newer than the page,
        which the single-node script allows too: a page holds ids, its users are current."""
        session_key, counter_key, *generation_keys = keys
        session, count, (page, state) = await asyncio.gather(
            self.redis.get(session_key),
            self._count_script(keys=[counter_key], args=[expiry, weight]),
            self._page_lookup_script(keys=generation_keys, args=[page_key_template]),
        )
        return [session, count, await self._assemble_page(page) if page else None, state]

    async def _assemble_page(self, page: bytes) -> bytes | None:
        """The page from its entry (pagination, ids) and its users' current entries, read
        with one MGET: None when one of them is not cached (evicted, expired, deleted)."""
        pagination, _, ids = page.partition(b"\n")
        prefix = self.keys.user_prefix().encode()
        keys = [prefix + user_id for user_id in ids.split()]
        if not keys:
            entries = []
        elif self._pipeline is not None:
            entries = await self._pipeline.call("MGET", *keys)
        else:
            entries = await cast(RedisCluster, self.redis).mget_nonatomic(keys)
        users = [user for user in entries if user is not None and user != TOMBSTONE]
        return page_json(pagination, users) if len(users) == len(entries) else None

    async def limit_anonymous(self, request: Request, *, limit: RateLimitItem, scope: str) -> None:
        window, counter_key = counter_of(self.keys, limit, scope=scope, subject=client_subject(request))
        try:
            count = await self._count_script(keys=[counter_key], args=[limit.get_expiry()])
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        enforce(request, limit, count=count, window=window)

    def peek_subject(self, request: Request) -> str:
        """The token's user id, before admit() checks its session (to pick cache keys)."""
        return bearer_claims(request, self.tokens)["sub"]
