"""/v1/auth: login, refresh, logout, sessions and the caller's own user."""

import uuid

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain.commands import (
    ListSessions,
    LoginBody,
    Logout,
    Refresh,
    RefreshBody,
    RevokeSession,
)
from usersvc.domain.errors import ErrorCode
from usersvc.domain.oauth import USERS_READ
from usersvc.domain.replies import LoginOutcome, SessionList, TokenPair, UserView
from usersvc.edge.body import parse_body
from usersvc.edge.errors import ApiError
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, admit_anonymous, admit_reading, send
from usersvc.edge.sign_in import password_step
from usersvc.edge.user_reads import read_user

auth = Blueprint("auth", url_prefix="/v1/auth")


@auth.post("/login")
@operation(
    operation_id="auth.login",
    summary="Log in with email or username and password",
    tag="auth",
    secured=False,
    body=LoginBody,
    response=LoginOutcome,
    errors=(401,),
)
async def login(request: Request) -> HTTPResponse:
    """No bearer yet: limited per client IP, and per account by the back-off (edge.login_guard)."""
    await admit_anonymous(request, scope="login")
    return json(await password_step(request, parse_body(request, LoginBody)))


@auth.get("/me")
@operation(
    operation_id="auth.me",
    summary="The caller's own user",
    tag="auth",
    response=UserView,
    errors=(404,),
    response_headers=("ETag",),
)
async def me(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    caller, (cached,) = await admit_reading(
        request, cache_keys=(ctx.keys.user(ctx.gate.peek_subject(request)),), client_scope=USERS_READ
    )
    return await read_user(request, caller.user_id, caller=caller, cached=cached)


@auth.post("/refresh")
@operation(
    operation_id="auth.refresh",
    summary="Spend a refresh token for a new pair (a spent one presented again revokes its session)",
    tag="auth",
    secured=False,
    body=RefreshBody,
    response=TokenPair,
    errors=(401,),
)
async def refresh(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="refresh", limit=request.app.ctx.settings.read_limit)
    body = parse_body(request, RefreshBody)
    return json(await send(request, Refresh(**body.model_dump())))


@auth.post("/logout")
@operation(
    operation_id="auth.logout", summary="End this session: its tokens stop working at once", tag="auth", status=204
)
async def logout(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    await send(request, Logout(session_id=caller.session_id), caller=caller)
    return empty()


@auth.get("/sessions")
@operation(operation_id="sessions.list", summary="The caller's active sessions", tag="sessions", response=SessionList)
async def list_sessions(request: Request) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, ListSessions(current_session_id=caller.session_id), caller=caller))


@auth.delete("/sessions/<session_id:str>")
@operation(
    operation_id="sessions.revoke",
    summary="End one of your sessions (admins: anyone's)",
    tag="sessions",
    status=204,
    errors=(404,),
)
async def revoke_session(request: Request, session_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    try:
        target = uuid.UUID(session_id)
    except ValueError:
        raise ApiError(ErrorCode.NOT_FOUND, "Session not found") from None
    await send(request, RevokeSession(session_id=target), caller=caller)
    return empty()
