"""Answering with one user: from its cached entry when there is one, else from a worker,
always with its ETag. Used by GET /v1/users/{id} and GET /v1/auth/me."""

import uuid

import orjson
from sanic import HTTPResponse, Request, json

from usersvc.cache_keys import TOMBSTONE
from usersvc.domain.commands import GetUser
from usersvc.domain.errors import ErrorCode
from usersvc.domain.replies import etag_of
from usersvc.edge.caller import Caller
from usersvc.edge.errors import ApiError
from usersvc.edge.metrics import cache_lookup
from usersvc.edge.route_steps import send


def user_response(user: dict, *, status: int = 200, headers: dict | None = None) -> HTTPResponse:
    return json(user, status=status, headers={"ETag": etag_of(user), **(headers or {})})


async def read_user(
    request: Request, user_id: uuid.UUID | str, *, caller: Caller, cached: bytes | None
) -> HTTPResponse:
    if cached == TOMBSTONE:
        cache_lookup("user", "hit").inc()
        raise ApiError(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found")
    if cached is not None:
        cache_lookup("user", "hit").inc()
        user = orjson.loads(cached)
        return HTTPResponse(cached, content_type="application/json", headers={"ETag": etag_of(user)})
    cache_lookup("user", "miss").inc()
    return user_response(await send(request, GetUser(user_id=user_id), caller=caller))
