"""/v1/users: reads from the cache when it can, everything else as commands.

Each route first applies the rbac rule the token's current role already decides (a refusal
is a DomainError, answered as such), then the worker applies it again with the actor's role
as it is in the database.
"""

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sanic import Blueprint, HTTPResponse, Request, empty, json, raw

from usersvc.cache_keys import CacheKeys, page_dependencies
from usersvc.domain import rbac
from usersvc.domain.commands import (
    ETAG_MAX_LENGTH,
    ChangePassword,
    CreateUser,
    DeleteUser,
    ListUsers,
    PasswordChangeBody,
    ReplaceUser,
    UpdateUser,
    UserCreateBody,
    UserPatchBody,
    UserReplaceBody,
)
from usersvc.domain.errors import ErrorCode
from usersvc.domain.oauth import USERS_READ, USERS_WRITE
from usersvc.domain.rbac import Role
from usersvc.domain.replies import UserPage, UserView
from usersvc.edge.body import parse_body, query_fields, validate
from usersvc.edge.caller import Caller, client_subject
from usersvc.edge.errors import ApiError
from usersvc.edge.login_guard import refuses_field
from usersvc.edge.metrics import cache_lookup
from usersvc.edge.openapi import IDEMPOTENCY_KEY, IF_MATCH, operation
from usersvc.edge.request_headers import header_bytes_are_text, header_text
from usersvc.edge.route_steps import admit, admit_page, admit_reading, send, user_id_from_path
from usersvc.edge.user_reads import read_user, user_response

users = Blueprint("users", url_prefix="/v1/users")
IDEMPOTENCY_NAMESPACE = uuid.UUID("5f1c7a52-8d2e-4c59-9a57-2f4b8f0e7c11")
IDEMPOTENCY_KEY_MAX_LENGTH = 200
LIST_QUERY_FIELDS = ("page", "page_size", "role", "is_active", "search", "sort")
PAGE_QUERIES_KEPT = 1024
EMAIL_CHANGE_RULE = (
    "A user changing their own email sends `current_password` too: missing or wrong → 403 "
    "REAUTHENTICATION_REQUIRED, and a wrong one counts as a failed login of the account; while its "
    "login back-off holds, a body with `current_password` is answered 429 with Retry-After, before the "
    "password is looked at. A new email is unverified: the new address gets a verification link, the "
    "old one a notice naming the new address masked."
)


def if_match_of(request: Request) -> str | None:
    """The If-Match header, for the worker to compare with the user's current ETag. One
    longer than any ETag can be matches none: 412 here, as the worker would answer."""
    value = header_text(request, "if-match")
    if value is not None and len(value) > ETAG_MAX_LENGTH:
        raise ApiError(ErrorCode.PRECONDITION_FAILED, "If-Match does not match the user's current ETag")
    return value


def idempotency_message_id(request: Request, caller: Caller) -> str | None:
    """The command id an Idempotency-Key stands for: the same for the same caller and key."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not header_bytes_are_text(key):
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            "Idempotency-Key is not a valid key",
            [{"field": "Idempotency-Key", "message": f"UTF-8 text of at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters"}],
        )
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{caller.user_id}:{key}"))


async def send_with_current_password(
    request: Request, caller: Caller, command, *, wrong: ErrorCode, checked: bool = True, message_id: str | None = None
) -> dict:
    """A command whose current_password the workers check against the user's (`checked`):
    inside that account's login back-off (edge.login_guard), where a refusal with code `wrong`
    counts as a failed login. Without a password to check there is nothing to guess, and no
    back-off (nor a hint about another account's)."""
    if command.current_password is None or not checked:
        return await send(request, command, caller=caller, message_id=message_id)
    return await request.app.ctx.login_guard.guard_password(
        lambda: send(request, command, caller=caller, message_id=message_id),
        user_id=command.user_id,
        client=client_subject(request),
        wrong=lambda error: error.code == wrong and _about_current_password(error),
    )


def _about_current_password(error: ApiError) -> bool:
    """A refusal of the password itself, not of another field (REAUTHENTICATION_REQUIRED is
    always about it)."""
    return error.code == ErrorCode.REAUTHENTICATION_REQUIRED or refuses_field(error, "current_password")


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
    caller = await admit(request, write=True, client_scope=USERS_WRITE)
    rbac.require_role(caller.principal, Role.ADMIN)
    body = parse_body(request, UserCreateBody)
    command = CreateUser(**body.model_dump())
    user = await send(request, command, caller=caller, message_id=idempotency_message_id(request, caller))
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
        caller = await admit(request, client_scope=USERS_READ)
        rbac.require_role(caller.principal, *rbac.STAFF)
        raise
    caller, cached, state = await admit_page(
        request, dependencies=query.dependencies, page_key_template=query.key_template, client_scope=USERS_READ
    )
    rbac.require_role(caller.principal, *rbac.STAFF)
    if cached is not None:
        cache_lookup("list", "hit").inc()
        return raw(cached, content_type="application/json")
    cache_lookup("list", "miss").inc()
    # Concurrent misses of one page at one database state share one query (any staff member
    # may read any page, so sharing across callers reveals nothing).
    flight = f"{state}:{query.key_template}"
    return json(await ctx.list_fills.run(flight, lambda: send(request, query.command, caller=caller)))


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
    caller, (cached,) = await admit_reading(
        request, cache_keys=(request.app.ctx.keys.user(target),), client_scope=USERS_READ
    )
    rbac.authorize_read(caller.principal, target)
    return await read_user(request, target, caller=caller, cached=cached)


@users.put("/<user_id:str>")
@operation(
    operation_id="users.replace",
    summary="Replace the profile fields (admin, or the user)",
    tag="users",
    body=UserReplaceBody,
    response=UserView,
    errors=(403, 404, 409, 412),
    parameters=(IF_MATCH,),
    response_headers=("ETag",),
    description=EMAIL_CHANGE_RULE,
)
async def replace_user(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller = await admit(request, write=True, client_scope=USERS_WRITE)
    rbac.authorize_replace(caller.principal, target)
    body = parse_body(request, UserReplaceBody)
    command = ReplaceUser(**body.model_dump(), user_id=target, if_match=if_match_of(request))
    # The workers check it only for the user's own email change.
    reply = await send_with_current_password(
        request, caller, command, wrong=ErrorCode.REAUTHENTICATION_REQUIRED, checked=caller.principal.is_self(target)
    )
    return user_response(reply)


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
    description="A moderator may change only `first_name`, `last_name`, `phone` and `is_active`, "
    "and only of plain users (role `user`). " + EMAIL_CHANGE_RULE,
)
async def update_user(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller = await admit(request, write=True, client_scope=USERS_WRITE)
    rbac.authorize_update_of_anyone(caller.principal, target)
    body = parse_body(request, UserPatchBody)
    command = UpdateUser(**body.model_dump(exclude_unset=True), user_id=target, if_match=if_match_of(request))
    rbac.authorize_update_fields(caller.principal, target_id=target, fields=set(command.changes()))
    # The workers check it only for the user's own email change.
    reply = await send_with_current_password(
        request,
        caller,
        command,
        wrong=ErrorCode.REAUTHENTICATION_REQUIRED,
        checked=caller.principal.is_self(target),
        message_id=idempotency_message_id(request, caller),
    )
    return user_response(reply)


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
    caller = await admit(request, write=True, client_scope=USERS_WRITE)
    rbac.authorize_delete(caller.principal, target)
    await send(request, DeleteUser(user_id=target, if_match=if_match_of(request)), caller=caller)
    return empty()


@users.post("/<user_id:str>/password")
@operation(
    operation_id="users.change_password",
    summary="Set a new password (the user with current_password, or an admin); the user's other sessions end",
    tag="users",
    status=204,
    body=PasswordChangeBody,
    errors=(403, 404),
    description="A wrong `current_password` (422) counts as a failed login of the account; while its "
    "login back-off holds, the answer is 429 with Retry-After, before the password is looked at.",
)
async def change_password(request: Request, user_id: str) -> HTTPResponse:
    target = user_id_from_path(user_id)
    caller = await admit(request, write=True, client_scope=USERS_WRITE)
    rbac.authorize_password_change(caller.principal, target)
    body = parse_body(request, PasswordChangeBody)
    command = ChangePassword(
        **body.model_dump(),
        user_id=target,
        keep_session_id=caller.session_id if caller.principal.is_self(target) else None,
    )
    await send_with_current_password(request, caller, command, wrong=ErrorCode.VALIDATION_ERROR)
    return empty()
