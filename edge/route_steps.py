"""The steps of a route, one way each: admit the request, send its command, answer.

A route reads top to bottom with them, for example:

    caller = await admit(request, write=True)
    body = parse_body(request, TotpEnrolBody)  # edge/body.py
    return json(await send(request, EnrolTotp(**body.model_dump(), user_id=caller.user_id), caller=caller))

`admit` authenticates the bearer and counts the caller's read or write limit in one Redis
call (edge/gate.py), reading `cache_keys` on the way; `admit_anonymous` counts a per-client
limit for the routes that speak for no user yet; `send` publishes the command for the caller,
or as the edge itself, with the request's context and waits for its reply (edge/bus.py);
`tell` publishes without waiting. Routes import these, never each other.
"""

import uuid
from typing import Any

from limits import RateLimitItem
from sanic import Request

from usersvc.domain.commands import Command
from usersvc.edge.bus import EDGE_ACTOR
from usersvc.edge.caller import Caller, command_context

# A path id that is not a UUID names no user: it stands for this one, which no user has,
# so it is authorized like any other id (403 before 404) and then not found.
NO_SUCH_USER = uuid.UUID(int=0)


async def admit(request: Request, *, write: bool = False, client_scope: str | None = None) -> Caller:
    """`client_scope`: the scope a token issued to an OAuth client needs for this request
    (`users:read`, `users:write`); None refuses such tokens (edge/bearer.py)."""
    caller, _ = await admit_reading(request, write=write, client_scope=client_scope)
    return caller


async def admit_reading(
    request: Request,
    *,
    cache_keys: tuple[str, ...] = (),
    write: bool = False,
    client_scope: str | None = None,
    weight: int = 1,
) -> tuple[Caller, list]:
    """admit, and the cached values of `cache_keys` from the same Redis call; the request
    counts `weight` against its limit (a GraphQL document counts its cost)."""
    ctx = request.app.ctx
    limit, scope = (ctx.settings.write_limit, "write") if write else (ctx.settings.read_limit, "read")
    return await ctx.gate.admit(
        request, limit=limit, scope=scope, cache_keys=cache_keys, client_scope=client_scope, weight=weight
    )


async def admit_page(
    request: Request,
    *,
    dependencies: list[str],
    page_key_template: str,
    client_scope: str | None = None,
    weight: int = 1,
) -> tuple[Caller, bytes | None, str]:
    """admit for a list page: the cached page (None on a miss) and the list generations read;
    the request counts `weight` against its limit (a GraphQL `users` query counts its cost)."""
    ctx = request.app.ctx
    return await ctx.gate.admit_page(
        request,
        limit=ctx.settings.read_limit,
        scope="read",
        dependencies=dependencies,
        page_key_template=page_key_template,
        client_scope=client_scope,
        weight=weight,
    )


async def admit_anonymous(request: Request, *, scope: str, limit: RateLimitItem | None = None) -> None:
    """Per client address, on a counter of its own for `scope`: the login limit unless told."""
    ctx = request.app.ctx
    await ctx.gate.limit_anonymous(request, limit=limit or ctx.settings.login_limit, scope=scope)


async def send(
    request: Request,
    command: Command,
    *,
    caller: Caller | None = None,
    message_id: str | None = None,
    extra_seconds: float = 0,
) -> Any:
    """The command for `caller` (None: as the edge itself), and its reply's data.
    `extra_seconds`: more time than RPC_TIMEOUT_SECONDS (a worker that asks another service)."""
    rpc = request.app.ctx.rpc
    return await rpc.call(
        command,
        actor=caller.actor if caller else EDGE_ACTOR,
        context=command_context(request),
        message_id=message_id,
        timeout=rpc.timeout + extra_seconds if extra_seconds else None,
    )


async def tell(request: Request, command: Command, *, expires_in: float) -> None:
    """The command as the edge itself, without waiting: it runs if a worker takes it in time."""
    await request.app.ctx.rpc.send(command, actor=EDGE_ACTOR, context=command_context(request), expires_in=expires_in)


def user_id_from_path(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        return NO_SUCH_USER
