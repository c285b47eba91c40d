"""Whether a token's session is still live, from its cached entry or, on a miss, a worker.

A tombstone (logout, revocation, deactivation) refuses at once; a session missing from the
cache (evicted, or a Redis that lost its data) is asked of the workers (`session.check`),
whose answer is the database's and which write the entry back.
"""

import orjson
from sanic import Request

from usersvc.cache_keys import TOMBSTONE
from usersvc.domain.commands import CheckSession
from usersvc.domain.errors import ErrorCode
from usersvc.domain.rbac import Role
from usersvc.edge.bus import RpcClient
from usersvc.edge.caller import Caller, command_context
from usersvc.edge.errors import ApiError
from usersvc.edge.metrics import cache_lookup


async def caller_of(request: Request, *, claims: dict, session: bytes | None, rpc: RpcClient) -> Caller:
    if session is None:  # not cached: the workers know
        cache_lookup("session", "miss").inc()
        try:
            entry: dict = await rpc.call(
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
