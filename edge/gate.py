"""Every request's checks in one Redis command: session (revocation), rate limit, cache read.

Measured: each Redis round trip on the read path costs real throughput, so the token's
session, the rate-limit counter and the cached entity come from one Lua script call (one
round trip, and cheaper in redis-py than a pipeline of four commands).

On a Redis Cluster (usersvc/redis_client.py) a script may only touch keys of one slot, and a
request's keys are spread over slots (and nodes) on purpose: there the same reads and counts
go out as concurrent single-slot commands, still one round trip of latency. A list page
takes two everywhere: the checks with the page entry, then its users (_assemble_page).
"""

import asyncio
import time
from dataclasses import dataclass
from typing import cast

import orjson
from limits import RateLimitItem
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sanic import Request

from usersvc.cache_keys import EVERY_WRITE, TOMBSTONE, CacheKeys
from usersvc.domain.commands import CheckSession
from usersvc.domain.errors import ErrorCode
from usersvc.domain.rbac import Principal, Role
from usersvc.edge.bus import RpcClient
from usersvc.edge.client_address import rate_limit_subject, resolve_client_ip
from usersvc.edge.errors import ApiError
from usersvc.edge.metrics import cache_lookup
from usersvc.edge.request_headers import header_text
from usersvc.redis_pipeline import RedisPipeline
from usersvc.tokens import InvalidToken, TokenVerifier


@dataclass(frozen=True)
class Caller:
    user_id: str
    session_id: str
    role: Role

    @property
    def principal(self) -> Principal:
        return Principal(kind="user", id=self.user_id, role=self.role)

    @property
    def actor(self) -> dict:
        return {"type": "user", "id": self.user_id}


def command_context(request: Request) -> dict:
    """Sent in the command body's `context` object and recorded in the audit trail."""
    return {
        "request_id": request.ctx.request_id,
        "ip": client_ip(request) or None,
        "user_agent": (header_text(request, "user-agent") or "")[:500] or None,
    }


def client_ip(request: Request) -> str:
    """The plain client address (for the audit trail); see edge.client_address for the rules.

    `request.ip` is the socket peer: Sanic's own proxy handling (`remote_addr`) is left
    unconfigured, so it never believes a header that TRUSTED_PROXIES does not vouch for.
    """
    if getattr(request.ctx, "client_ip", None) is None:
        request.ctx.client_ip = resolve_client_ip(
            peer=request.ip,
            forwarded_for=request.headers.getall("x-forwarded-for", []),
            trusted=request.app.ctx.settings.trusted_proxy_networks,
        )
    return request.ctx.client_ip


def client_subject(request: Request) -> str:
    """What per-client rate limits count: the address, or its /64 for IPv6."""
    return rate_limit_subject(client_ip(request))


# KEYS: session, rate-limit counter, any cache keys. ARGV: the counter's window seconds.
# Returns the session entry, the count, then each cache key's value (false → nil).
ADMIT_SCRIPT = """
local result = {redis.call('GET', KEYS[1]) or false}
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
result[2] = count
for index = 3, #KEYS do result[index] = redis.call('GET', KEYS[index]) or false end
return result
"""
# The generations of a page (usersvc/cache_keys.py): KEYS[first..#KEYS-1] its dependencies'
# counters, KEYS[#KEYS] the every-write counter. Sets `generation` (the counters joined by
# dots, as in the page's key) and `state` (that and the every-write counter: the database
# state a fill must not predate).
PAGE_GENERATIONS = """
local counters = {}
for index = first, #KEYS - 1 do counters[#counters + 1] = redis.call('GET', KEYS[index]) or '0' end
local generation = table.concat(counters, '.')
local state = generation .. ':' .. (redis.call('GET', KEYS[#KEYS]) or '0')
"""
# A list page: KEYS session, rate-limit counter, then the page's generation keys (above);
# ARGV: window seconds, page key template with '{generation}'. Returns the session, the
# count, `state` and the page entry (false: not cached). The edge then reads the page's
# users with one MGET (_assemble_page): in the script, their 20 entries crossing into Lua
# and back cost Redis, the one thread every edge process waits on, half of the page's time.
ADMIT_PAGE_SCRIPT = (
    """
local session = redis.call('GET', KEYS[1]) or false
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
local first = 3
"""
    + PAGE_GENERATIONS
    + """
return {session, count, state, redis.call('GET', (string.gsub(ARGV[2], '{generation}', generation))) or false}
"""
)
COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# On a cluster, ADMIT_PAGE_SCRIPT's part in the list slot ({users}, see CacheKeys): KEYS the
# page's generation keys; ARGV the page key template. Returns the page entry (or false) and
# `state`, as ADMIT_PAGE_SCRIPT does.
PAGE_LOOKUP_SCRIPT = (
    "local first = 1\n"
    + PAGE_GENERATIONS
    + """
return {redis.call('GET', (string.gsub(ARGV[1], '{generation}', generation))) or false, state}
"""
)


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

    async def aclose(self) -> None:
        if self._pipeline is not None:
            await self._pipeline.aclose()

    async def admit(
        self, request: Request, *, limit: RateLimitItem, scope: str, cache_keys: tuple[str, ...] = ()
    ) -> tuple[Caller, list]:
        """Authenticate, count against the limit, and read `cache_keys`, all at once."""
        claims = self._claims(request)
        window, counter_key = self._window(limit, scope, claims["sub"])
        keys = [self.keys.session(claims["sid"]), counter_key, *cache_keys]
        try:
            if self._cluster:
                session, count, *cached = await self._admit_across_slots(keys, limit.get_expiry())
            else:
                session, count, *cached = await self._admit_script(keys=keys, args=[limit.get_expiry()])
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        caller = await self._caller(request, claims, session)
        self._enforce(request, limit, count, window)
        return caller, cached

    async def admit_page(
        self, request: Request, *, limit: RateLimitItem, scope: str, dependencies: list[str], page_key_template: str
    ) -> tuple[Caller, bytes | None, str]:
        """Authenticate, count, and read a cached list page assembled from its users' current
        entries (so a change to one user is seen at once): one script call, then one MGET.
        Also returns the list generations read, which a miss's fill must not predate."""
        claims = self._claims(request)
        window, counter_key = self._window(limit, scope, claims["sub"])
        keys = [
            self.keys.session(claims["sid"]),
            counter_key,
            *(self.keys.list_generation(name) for name in dependencies),
            self.keys.list_generation(EVERY_WRITE),
        ]
        try:
            if self._cluster:
                session, count, page, state = await self._page_across_slots(keys, limit.get_expiry(), page_key_template)
            else:
                session, count, state, entry = await self._admit_page_script(
                    keys=keys, args=[limit.get_expiry(), page_key_template]
                )
                page = await self._assemble_page(entry) if entry else None
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        caller = await self._caller(request, claims, session)
        self._enforce(request, limit, count, window)
        return caller, page, state.decode()

    async def _admit_across_slots(self, keys: list[str], expiry: int) -> list:
        """ADMIT_SCRIPT on a cluster: its reads and its count as concurrent commands, each
        sent to its key's node. Nothing here needs the script's atomicity: the reads are
        independent, and the count is still one script on one key."""
        session_key, counter_key, *cache_keys = keys
        return await asyncio.gather(
            self.redis.get(session_key),
            self._count_script(keys=[counter_key], args=[expiry]),
            *(self.redis.get(key) for key in cache_keys),
        )

    async def _page_across_slots(self, keys: list[str], expiry: int, page_key_template: str) -> list:
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
            self._count_script(keys=[counter_key], args=[expiry]),
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
        window, counter_key = self._window(limit, scope, client_subject(request))
        try:
            count = await self._count_script(keys=[counter_key], args=[limit.get_expiry()])
        except Exception:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable") from None
        self._enforce(request, limit, count, window)

    def peek_subject(self, request: Request) -> str:
        """The token's user id, before admit() checks its session (to pick cache keys)."""
        return self._claims(request)["sub"]

    def _claims(self, request: Request) -> dict:
        if getattr(request.ctx, "claims", None) is not None:
            return request.ctx.claims
        request.ctx.claims = self._decode(request)
        return request.ctx.claims

    def _decode(self, request: Request) -> dict:
        header = request.headers.get("authorization")
        if not header:
            raise ApiError(ErrorCode.UNAUTHENTICATED, "Authentication required", headers={"WWW-Authenticate": "Bearer"})
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(ErrorCode.INVALID_TOKEN, "Expected 'Authorization: Bearer <token>'")
        try:
            return self.tokens.verify(token.strip())
        except InvalidToken as error:
            if error.expired:
                raise ApiError(ErrorCode.TOKEN_EXPIRED, "The access token has expired") from None
            raise ApiError(ErrorCode.INVALID_TOKEN, "The access token is invalid") from None

    async def _caller(self, request: Request, claims: dict, session: bytes | None) -> Caller:
        if session is None:  # not cached: the workers know
            cache_lookup("session", "miss").inc()
            try:
                entry: dict = await self.rpc.call(
                    CheckSession(session_id=claims["sid"]),
                    actor={"type": "user", "id": claims["sub"]},
                    context=command_context(request),
                )
            except ApiError as error:
                if error.code in (ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.UPSTREAM_TIMEOUT):
                    raise
                raise ApiError(ErrorCode.INVALID_TOKEN, "The session is no longer active") from None
        elif session == TOMBSTONE:
            cache_lookup("session", "hit").inc()
            raise ApiError(ErrorCode.INVALID_TOKEN, "The session is no longer active")
        else:
            cache_lookup("session", "hit").inc()
            entry = orjson.loads(session)
        if entry["user_id"] != claims["sub"]:
            raise ApiError(ErrorCode.INVALID_TOKEN, "The access token is invalid")
        return Caller(user_id=claims["sub"], session_id=claims["sid"], role=Role(entry["role"]))

    def _window(self, limit: RateLimitItem, scope: str, subject: str) -> tuple[int, str]:
        """Fixed window: one counter per subject and window, expiring with the window."""
        expiry = limit.get_expiry()
        window = int(time.time()) // expiry
        return window, self.keys.rate_limit(scope, subject, window)

    @staticmethod
    def _enforce(request: Request, limit: RateLimitItem, count: int, window: int) -> None:
        reset_at = (window + 1) * limit.get_expiry()
        headers = {
            "X-RateLimit-Limit": str(limit.amount),
            "X-RateLimit-Remaining": str(max(0, limit.amount - count)),
            "X-RateLimit-Reset": str(reset_at),
        }
        request.ctx.rate_limit_headers = headers
        if count > limit.amount:
            retry_after = max(1, reset_at - int(time.time()))
            raise ApiError(
                ErrorCode.RATE_LIMITED,
                "Too many requests; retry later",
                headers={**headers, "Retry-After": str(retry_after)},
            )
