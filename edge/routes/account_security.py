"""A user's sessions as an administrator sees and ends them (/v1/users/{id}/sessions), and the
security mails a user may turn off (/v1/auth/notifications)."""

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain import rbac
from usersvc.domain.session_commands import (
    EndUserSessions,
    GetNotificationSettings,
    ListUserSessions,
    NotificationSettings,
    NotificationSettingsBody,
    UpdateNotificationSettings,
    UserSessionList,
)
from usersvc.edge.body import parse_body
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, send, user_id_from_path

account_security = Blueprint("account_security")


@account_security.get("/v1/users/<user_id:str>/sessions")
@operation(
    operation_id="user_sessions.list",
    summary="A user's sessions, live and ended, with how each ended (admin; moderator for plain users)",
    tag="sessions",
    response=UserSessionList,
    errors=(403, 404),
    description="`end_reason`: `logout`, `revoked`, `expired`, `refresh_reuse`, `password_change`, "
    "`deactivated`, or null while the session is live; `ended_by` names who ended it, when someone did. "
    "Every live session is listed, and the newest 100 ended ones.",
)
async def list_user_sessions(request: Request, user_id: str) -> HTTPResponse:
    caller = await admit(request)
    rbac.authorize_session_oversight(caller.principal)  # what the token's role decides, at once
    return json(await send(request, ListUserSessions(user_id=user_id_from_path(user_id)), caller=caller))


@account_security.delete("/v1/users/<user_id:str>/sessions")
@operation(
    operation_id="user_sessions.end_all",
    summary="End every live session of a user: their tokens stop at once (admin; moderator for plain users)",
    tag="sessions",
    status=204,
    errors=(403, 404),
)
async def end_user_sessions(request: Request, user_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    rbac.authorize_session_oversight(caller.principal)
    await send(request, EndUserSessions(user_id=user_id_from_path(user_id)), caller=caller)
    return empty()


@account_security.get("/v1/auth/notifications")
@operation(
    operation_id="notifications.get",
    summary="Which security mails you get that you may turn off",
    tag="auth",
    response=NotificationSettings,
)
async def get_notifications(request: Request) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, GetNotificationSettings(user_id=caller.user_id), caller=caller))


@account_security.patch("/v1/auth/notifications")
@operation(
    operation_id="notifications.update",
    summary="Turn the mail about a sign-in from a new device and network on or off",
    tag="auth",
    body=NotificationSettingsBody,
    response=NotificationSettings,
    description="Mails about a changed password, email or second factor always go.",
)
async def update_notifications(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, NotificationSettingsBody)
    command = UpdateNotificationSettings(**body.model_dump(), user_id=caller.user_id)
    return json(await send(request, command, caller=caller))
