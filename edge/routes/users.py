"""/v1/users: reads from the cache when it can, everything else as commands.

Each route first applies the rbac rule the token's current role already decides (a refusal
is a DomainError, answered as such), then the worker applies it again with the actor's role
as it is in the database.
"""

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from sanic import Blueprint, HTTPResponse, Request, empty, json, raw

from usersvc.cache_keys import TOMBSTONE, CacheKeys, page_dependencies
from usersvc.domain import rbac
from usersvc.domain.commands import (
    ChangePassword,
    CreateUser,
    DeleteUser,
    GetUser,
    ListUsers,
    PasswordChangeBody,
    ReplaceUser,
    UpdateUser,
    UserCreateBody,
    UserPatchBody,
    UserProfile,
)
from usersvc.domain.errors import ErrorCode
from usersvc.domain.rbac import Role
from usersvc.domain.replies import UserPage, UserView, etag_of
from usersvc.edge.body import parse_body, query_fields, validate
from usersvc.edge.errors import ApiError
from usersvc.edge.gate import Caller, command_context
from usersvc.edge.metrics import cache_lookup
from usersvc.edge.openapi import IDEMPOTENCY_KEY, IF_MATCH, operation

users = Blueprint("users", url_prefix="/v1/users")
IDEMPOTENCY_NAMESPACE = uuid.UUID("5f1c7a52-8d2e-4c59-9a57-2f4b8f0e7c11")
LIST_QUERY_FIELDS = ("page", "page_size", "role", "is_active", "search", "sort")
PAGE_QUERIES_KEPT = 1024


# A path id that is not a UUID names no user: it stands for this one, which no user has,
# so it is authorized like any other id (403 before 404) and then not found.
NO_SUCH_USER = uuid.UUID(int=0)


def user_id_from_path(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return NO_SUCH_USER


def user_response(user: dict, *, status: int = 200, headers: dict | None = None) -> HTTPResponse:
    return json(user, status=status, headers={"ETag": etag_of(user), **(headers or {})})


async def _admit(request: Request, *, write: bool, cache_keys: tuple[str, ...] = ()) -> tuple[Caller, list]:
    settings = request.app.ctx.settings
    limit, scope = (settings.write_limit, "write") if write else (settings.read_limit, "read")
    return await request.app.ctx.gate.admit(request, limit=limit, scope=scope, cache_keys=cache_keys)


def idempotent_message_id(request: Request, caller: Caller) -> str | None:
    """The command id an Idempotency-Key stands for: the same key from the same caller, the
    same id, which the workers answer once (a retry gets the first reply)."""
    key = request.headers.get("idempotency-key")
    if not key:
        return None
    if len(key) > 200:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            "Idempotency-Key is too long",
            [{"field": "Idempotency-Key", "message": "at most 200 characters"}],
        )
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{caller.user_id}:{key}"))


async def send_command(request: Request, caller: Caller, command, *, message_id: str | None = None):
    return await request.app.ctx.rpc.call(
        command, actor=caller.actor, context=command_context(request), message_id=message_id
    )


@users.post("/")
@operation(
    operation_id="users.create",
    summary="Create a user (admin)",
    tag="users",
    status=201,
    body=UserCreateBody,
    response=UserView,
    errors=(403, 409),
    parameters=(IDEMPOTENCY_KEY,),
    response_headers=("ETag", "Location"),
)
async def create_user(request: Request) -> HTTPResponse:
    caller, _ = await _admit(request, write=True)
    rbac.require_role(caller.principal, Role.ADMIN)
    body = parse_body(request, UserCreateBody)
    command = CreateUser(**body.model_dump())
    user = await send_command(request, caller, command, message_id=idempotent_message_id(request, caller))
    return user_response(user, status=201, headers={"Location": f"/v1/users/{user['id']}"})


@users.get("/")
@operation(
    operation_id="users.list",
    summary="A page of users (admin, moderator)",
    tag="users",
    query=ListUsers,
    response=UserPage,
    errors=(403,),
)
async def list_users(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    try:
        query = ctx.page_queries(request.query_string)
    except ApiError:  # answered after authentication and the role check, which come first
        caller, _ = await _admit(request, write=False)
        rbac.require_role(caller.principal, *rbac.STAFF)
        raise
    caller, cached, state = await ctx.gate.admit_page(
        request,
        limit=ctx.settings.read_limit,
        scope="read",
        dependencies=query.dependencies,
        page_key_template=query.key_template,
    )
    rbac.require_role(caller.principal, *rbac.STAFF)
    if cached is not None:
        cache_lookup("list", "hit").inc()
        return raw(cached, content_type="application/json")
    cache_lookup("list", "miss").inc()
    # Concurrent misses of one page at one database state share one query (any staff member
    # may read any page, so sharing across callers reveals nothing).
    flight = f"{state}:{query.key_template}"
    return json(await ctx.list_fills.run(flight, lambda: send_command(request, caller, query.command)))


@dataclass(frozen=True)
class PageQuery:
    """A list query as the cache sees it: its command, its page's key and what it depends on."""

    command: ListUsers
    key_template: str  # with '{generation}' where the counters go
    dependencies: list[str]


def page_query_parser(keys: CacheKeys) -> Callable[[str], PageQuery]:
    """Query string → PageQuery, worked out once per distinct query string: most list reads
    repeat a few queries, and validating and hashing one cost as much as its Redis call.
    Refusals (ApiError) are not kept; the cache holds at most PAGE_QUERIES_KEPT queries."""

    @functools.lru_cache(maxsize=PAGE_QUERIES_KEPT)
    def parse(query_string: str) -> PageQuery:
        command = validate(ListUsers, query_fields(query_string, LIST_QUERY_FIELDS))
        query_dump = command.model_dump(mode="json")
        return PageQuery(
            command=command,
            key_template=keys.user_page("{generation}", query_dump),
            dependencies=page_dependencies(query_dump),
        )

    return parse


async def read_user(request: Request, user_id: uuid.UUID, *, caller: Caller, cached: bytes | None) -> HTTPResponse:
    if cached == TOMBSTONE:
        cache_lookup("user", "hit").inc()
        raise ApiError(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found")
    if cached is not None:
        cache_lookup("user", "hit").inc()
        user = orjson.loads(cached)
        return HTTPResponse(cached, content_type="application/json", headers={"ETag": etag_of(user)})
    cache_lookup("user", "miss").inc()
    return user_response(await send_command(request, caller, GetUser(user_id=user_id)))


@users.get("/<user_id:str>")
@operation(
    operation_id="users.get",
    summary="One user (admin, moderator, or the user)",
    tag="users",
    response=UserView,
    errors=(403, 404),
    response_headers=("ETag",),
)
async def get_user(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller, (cached,) = await _admit(request, write=False, cache_keys=(request.app.ctx.keys.user(target),))
    rbac.authorize_read(caller.principal, target)
    return await read_user(request, target, caller=caller, cached=cached)


@users.put("/<user_id:str>")
@operation(
    operation_id="users.replace",
    summary="Replace the profile fields (admin, or the user)",
    tag="users",
    body=UserProfile,
    response=UserView,
    errors=(403, 404, 409, 412),
    parameters=(IF_MATCH,),
    response_headers=("ETag",),
)
async def replace_user(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller, _ = await _admit(request, write=True)
    rbac.authorize_replace(caller.principal, target)
    body = parse_body(request, UserProfile)
    command = ReplaceUser(**body.model_dump(), user_id=target, if_match=request.headers.get("if-match"))
    return user_response(await send_command(request, caller, command))


@users.patch("/<user_id:str>")
@operation(
    operation_id="users.update",
    summary="Change some fields (role: admin; is_active: staff)",
    tag="users",
    body=UserPatchBody,
    response=UserView,
    errors=(403, 404, 409, 412),
    parameters=(IF_MATCH, IDEMPOTENCY_KEY),
    response_headers=("ETag",),
)
async def update_user(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller, _ = await _admit(request, write=True)
    rbac.authorize_update_of_anyone(caller.principal, target)
    body = parse_body(request, UserPatchBody)
    command = UpdateUser(
        **body.model_dump(exclude_unset=True), user_id=target, if_match=request.headers.get("if-match")
    )
    return user_response(
        await send_command(request, caller, command, message_id=idempotent_message_id(request, caller))
    )


@users.delete("/<user_id:str>")
@operation(
    operation_id="users.delete",
    summary="Soft-delete a user (admin)",
    tag="users",
    status=204,
    errors=(403, 404, 412),
    parameters=(IF_MATCH,),
)
async def delete_user(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller, _ = await _admit(request, write=True)
    rbac.authorize_delete(caller.principal, target)
    await send_command(request, caller, DeleteUser(user_id=target, if_match=request.headers.get("if-match")))
    return empty()


@users.post("/<user_id:str>/password")
@operation(
    operation_id="users.change_password",
    summary="Set a new password (the user with current_password, or an admin); the user's other sessions end",
    tag="users",
    status=204,
    body=PasswordChangeBody,
    errors=(403, 404),
)
async def change_password(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller, _ = await _admit(request, write=True)
    rbac.authorize_password_change(caller.principal, target)
    body = parse_body(request, PasswordChangeBody)
    command = ChangePassword(
        **body.model_dump(),
        user_id=target,
        keep_session_id=caller.session_id if caller.principal.is_self(target) else None,
    )
    await send_command(request, caller, command)
    return empty()
