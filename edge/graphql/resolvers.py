"""What each field does: the steps of the REST route it stands for (edge/routes/users.py,
auth.py, audit.py), with the same rbac checks, validation models and bus commands, so the
workers, the audit trail and the events cannot tell which door a request came through.

A refusal is the DomainError the REST route raises; view.py turns it into a GraphQL error
with its code in `extensions.code`."""

import asyncio
import base64
import binascii
import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
from ariadne import MutationType, ObjectType, QueryType
from graphql import GraphQLResolveInfo
from sanic import Request

from usersvc.cache_keys import TOMBSTONE
from usersvc.domain import rbac
from usersvc.domain.commands import (
    ETAG_MAX_LENGTH,
    MAX_PAGE_SIZE,
    ChangePassword,
    CreateUser,
    DeleteUser,
    GetUser,
    ListAuditLogs,
    ListAuditOfEntities,
    ListSessionsOfUsers,
    ListUsers,
    Logout,
    PagedQuery,
    PasswordChangeBody,
    UpdateUser,
    UserCreateBody,
    UserPatchBody,
)
from usersvc.domain.errors import ErrorCode, validation_error
from usersvc.domain.rbac import Role
from usersvc.domain.replies import etag_of
from usersvc.edge.bearer import require_client_scope
from usersvc.edge.body import validate
from usersvc.edge.caller import Caller
from usersvc.edge.errors import ApiError
from usersvc.edge.graphql.limits import DEFAULT_PAGE
from usersvc.edge.graphql.loaders import BatchLoader
from usersvc.edge.graphql.plans import pure
from usersvc.edge.graphql.subscriptions import subscription
from usersvc.edge.metrics import cache_lookup
from usersvc.edge.route_steps import send, user_id_from_path
from usersvc.edge.routes.users import PageQuery, send_with_current_password

CURSOR_PREFIX = "offset:"
AUDIT_KEYS_PER_BATCH = 10_000  # bounded by the cost limit long before


@dataclass
class Context:
    """One request's: who asks, the users its root fields read from the cache (id → entry,
    None where nothing is cached), and its loaders."""

    request: Request
    caller: Caller
    cached: dict[str, bytes | None]
    # List pages read in the admission's Redis call (view.py): page key template → (the
    # page, None on a miss; the list generations read), as Gate.admit_page answers them.
    pages: dict[str, tuple[bytes | None, str]] = field(default_factory=dict)

    @functools.cached_property
    def sessions(self) -> BatchLoader:
        return BatchLoader(self._sessions_of, max_batch=MAX_PAGE_SIZE)

    @functools.cached_property
    def audit(self) -> BatchLoader:
        # _audit_of splits its keys by size and by MAX_PAGE_SIZE: the loader need not.
        return BatchLoader(self._audit_of, max_batch=AUDIT_KEYS_PER_BATCH)

    async def _sessions_of(self, user_ids: list[str]) -> dict:
        command = ListSessionsOfUsers(user_ids=[uuid.UUID(user_id) for user_id in user_ids])
        return (await send(self.request, command, caller=self.caller))["data"]

    async def _audit_of(self, keys: list[tuple[str, int]]) -> dict:
        """(entity id, entries wanted) → its newest entries: one `audit.list_of_entities` per
        100 entities and number wanted (one, unless aliases ask different `first`s), at once."""
        wanted: dict[int, list[str]] = {}
        for entity_id, size in keys:
            wanted.setdefault(size, []).append(entity_id)
        commands = [
            ListAuditOfEntities(entity_ids=ids[start : start + MAX_PAGE_SIZE], per_entity=size)
            for size, ids in wanted.items()
            for start in range(0, len(ids), MAX_PAGE_SIZE)
        ]
        replies = await asyncio.gather(*(send(self.request, command, caller=self.caller) for command in commands))
        return {
            (entity_id, command.per_entity): entries
            for command, reply in zip(commands, replies, strict=True)
            for entity_id, entries in reply["data"].items()
        }

    def no_client_tokens(self) -> None:
        """What REST serves only to tokens from /v1/auth/login (sessions, audit, logout)."""
        require_client_scope(self.request.ctx.claims, None)


def _context(info: GraphQLResolveInfo) -> Context:
    return info.context


async def read_user(context: Context, user_id: uuid.UUID) -> dict:
    """As GET /v1/users/{id}: its cached entry (read in the admission's Redis call), else a worker."""
    key = str(user_id)
    cached = context.cached.get(key)
    if cached == TOMBSTONE:
        cache_lookup("user", "hit").inc()
        raise ApiError(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found")
    if cached is not None:
        cache_lookup("user", "hit").inc()
        return orjson.loads(cached)
    cache_lookup("user", "miss").inc()
    return await send(context.request, GetUser(user_id=user_id), caller=context.caller)


# --- connections ----------------------------------------------------------------------------


def cursor_of(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def offset_after(cursor: str | None) -> int:
    """The offset of the item after `cursor` (0 without one)."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(CURSOR_PREFIX) and text[len(CURSOR_PREFIX) :].isdigit():
            return int(text[len(CURSOR_PREFIX) :]) + 1
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise validation_error("after", "is not a cursor of this connection")


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise validation_error("first", f"must be between 1 and {MAX_PAGE_SIZE}")
    return first


def page_commands(
    query: type[PagedQuery], filters: dict, first: int | None, after: str | None
) -> tuple[int, int, int, list]:
    """The page size, the offset after the cursor, the items to skip on the first page read,
    and the commands of the pages to read (one, or two when the cursor is mid-page)."""
    size, offset = page_size(first), offset_after(after)
    index, skip = divmod(offset, size)
    pages = [index + 1] if skip == 0 else [index + 1, index + 2]
    return size, offset, skip, [validate(query, {**filters, "page": page, "page_size": size}) for page in pages]


async def connection(
    context: Context,
    query: type[PagedQuery],
    filters: dict,
    first: int | None,
    after: str | None,
    *,
    fetch: Callable[[Context, Any], Awaitable[dict]] | None = None,
) -> dict:
    """A Relay connection over a paged list command (`fetch`: how a page is read; default, a
    worker). The pages are of `first` items; a cursor from a page of another size spans two
    of them, read at once."""
    size, offset, skip, commands = page_commands(query, filters, first, after)
    read = fetch or (lambda context, command: send(context.request, command, caller=context.caller))
    replies = await asyncio.gather(*(read(context, command) for command in commands))
    items = [item for reply in replies for item in reply["data"]][skip : skip + size]
    total = replies[0]["pagination"]["total_items"]
    edges = [{"node": item, "cursor": cursor_of(offset + number)} for number, item in enumerate(items)]
    return {
        "edges": edges,
        "page_info": {
            "has_next_page": offset + len(items) < total,
            "end_cursor": edges[-1]["cursor"] if edges else None,
        },
        "total_count": total,
    }


# --- queries --------------------------------------------------------------------------------

query = QueryType()


@query.field("me")
async def resolve_me(_: Any, info: GraphQLResolveInfo) -> dict:
    context = _context(info)
    return await read_user(context, uuid.UUID(context.caller.user_id))


@query.field("user")
async def resolve_user(_: Any, info: GraphQLResolveInfo, id: str) -> dict:
    context = _context(info)
    target = user_id_from_path(id)
    rbac.authorize_read(context.caller.principal, target)
    return await read_user(context, target)


def page_query_of(request: Request, command: ListUsers) -> PageQuery:
    """The list page a command reads, as GET /v1/users would name it (its query string)."""
    fields = command.model_dump(mode="json", exclude_none=True)
    return request.app.ctx.page_queries(
        urlencode({name: str(value).lower() if isinstance(value, bool) else value for name, value in fields.items()})
    )


async def list_page(context: Context, command: ListUsers) -> dict:
    """As GET /v1/users: the cached page (the same entry, assembled from the users' entries;
    read in the admission's call when view.py could tell it before), else one worker query
    shared by concurrent misses of the page at one database state."""
    ctx = context.request.app.ctx
    query = page_query_of(context.request, command)
    read = context.pages.pop(query.key_template, None)
    if read is None:
        read = await ctx.gate.read_page(dependencies=query.dependencies, page_key_template=query.key_template)
    cached, state = read
    if cached is not None:
        cache_lookup("list", "hit").inc()
        return orjson.loads(cached)
    cache_lookup("list", "miss").inc()
    flight = f"{state}:{query.key_template}"
    return await ctx.list_fills.run(flight, lambda: send(context.request, query.command, caller=context.caller))


@query.field("users")
async def resolve_users(_: Any, info: GraphQLResolveInfo, first=None, after=None, **filters) -> dict:
    context = _context(info)
    rbac.require_role(context.caller.principal, *rbac.STAFF)
    given = {name: value for name, value in filters.items() if value is not None}
    return await connection(context, ListUsers, given, first, after, fetch=list_page)


@query.field("auditEntries")
async def resolve_audit_entries(_: Any, info: GraphQLResolveInfo, first=None, after=None, **filters) -> dict:
    context = _context(info)
    context.no_client_tokens()
    rbac.require_role(context.caller.principal, Role.ADMIN)
    given = {name: value for name, value in filters.items() if value is not None}
    return await connection(context, ListAuditLogs, given, first, after)


# --- a user's fields ------------------------------------------------------------------------

user = ObjectType("User")


@user.field("etag")
@pure
def resolve_etag(parent: dict, _: GraphQLResolveInfo) -> str:
    return etag_of(parent)


@user.field("sessions")
async def resolve_sessions(parent: dict, info: GraphQLResolveInfo) -> list[dict]:
    """Batched: a page of users' sessions is one command (loaders.py)."""
    context = _context(info)
    context.no_client_tokens()
    principal = context.caller.principal
    if principal.role != Role.ADMIN and not principal.is_self(parent["id"]):
        raise ApiError(ErrorCode.FORBIDDEN, "You are not allowed to do this")
    sessions = await context.sessions.load(str(parent["id"]))
    return [{**session, "user": parent} for session in sessions or ()]


@user.field("auditEntries")
async def resolve_user_audit(parent: dict, info: GraphQLResolveInfo, first: int | None = None) -> list[dict]:
    """Batched: a page of users' entries is one command per 100 users (loaders.py)."""
    context = _context(info)
    context.no_client_tokens()
    rbac.require_role(context.caller.principal, Role.ADMIN)
    entries = await context.audit.load((str(parent["id"]), page_size(first)))
    return entries or []


audit_entry = ObjectType("AuditEntry")


@audit_entry.field("actorId")
@pure
def resolve_actor_id(parent: dict, _: GraphQLResolveInfo) -> str | None:
    return (parent.get("actor") or {}).get("id")


# --- mutations ------------------------------------------------------------------------------

mutation = MutationType()


def _if_match(value: str | None) -> str | None:
    """As If-Match: one longer than any ETag can be matches none."""
    if value is not None and len(value) > ETAG_MAX_LENGTH:
        raise ApiError(ErrorCode.PRECONDITION_FAILED, "ifMatch does not match the user's current etag")
    return value


@mutation.field("createUser")
async def resolve_create_user(_: Any, info: GraphQLResolveInfo, input: dict) -> dict:
    context = _context(info)
    rbac.require_role(context.caller.principal, Role.ADMIN)
    body = validate(UserCreateBody, input)
    return await send(context.request, CreateUser(**body.model_dump()), caller=context.caller)


@mutation.field("updateUser")
async def resolve_update_user(_: Any, info: GraphQLResolveInfo, id: str, input: dict, if_match=None) -> dict:
    context = _context(info)
    caller, target = context.caller, user_id_from_path(id)
    rbac.authorize_update_of_anyone(caller.principal, target)
    body = validate(UserPatchBody, input)
    command = UpdateUser(**body.model_dump(exclude_unset=True), user_id=target, if_match=_if_match(if_match))
    rbac.authorize_update_fields(caller.principal, target_id=target, fields=set(command.changes()))
    return await send_with_current_password(
        context.request,
        caller,
        command,
        wrong=ErrorCode.REAUTHENTICATION_REQUIRED,
        checked=caller.principal.is_self(target),
    )


@mutation.field("deleteUser")
async def resolve_delete_user(_: Any, info: GraphQLResolveInfo, id: str, if_match=None) -> bool:
    context = _context(info)
    target = user_id_from_path(id)
    rbac.authorize_delete(context.caller.principal, target)
    await send(context.request, DeleteUser(user_id=target, if_match=_if_match(if_match)), caller=context.caller)
    return True


@mutation.field("changePassword")
async def resolve_change_password(_: Any, info: GraphQLResolveInfo, id: str, **passwords) -> bool:
    context = _context(info)
    caller, target = context.caller, user_id_from_path(id)
    rbac.authorize_password_change(caller.principal, target)
    body = validate(PasswordChangeBody, {name: value for name, value in passwords.items() if value is not None})
    command = ChangePassword(
        **body.model_dump(),
        user_id=target,
        keep_session_id=caller.session_id if caller.principal.is_self(target) else None,
    )
    await send_with_current_password(context.request, caller, command, wrong=ErrorCode.VALIDATION_ERROR)
    return True


@mutation.field("logout")
async def resolve_logout(_: Any, info: GraphQLResolveInfo) -> bool:
    context = _context(info)
    context.no_client_tokens()
    await send(context.request, Logout(session_id=context.caller.session_id), caller=context.caller)
    return True


BINDABLES = [query, mutation, user, audit_entry, subscription]
