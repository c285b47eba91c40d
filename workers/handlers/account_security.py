"""user.sessions_list, user.sessions_end, auth.notifications_*: what an administrator sees and
ends of a user's sessions, and which security mails a user wants (docs/api.md)."""

import uuid
from datetime import UTC, datetime
from functools import partial

from usersvc.domain import rbac
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.session_commands import (
    EndReason,
    EndUserSessions,
    GetNotificationSettings,
    ListUserSessions,
    UpdateNotificationSettings,
)
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, UnitOfWork, execute_query, execute_write
from usersvc.workers.models import User, UserSession
from usersvc.workers.repositories.sessions import active_sessions, revoke_sessions, user_session_view
from usersvc.workers.routing import Handlers
from usersvc.workers.user_lock import user_not_found

# Every live session is listed; of the ended ones, the newest this many.
ENDED_SHOWN = 100


def _named_user(command: EndUserSessions | UpdateNotificationSettings) -> uuid.UUID:
    return command.user_id


async def _list(deps: WorkerDeps, principal: Principal, command: ListUserSessions) -> dict:
    rbac.authorize_session_oversight(principal)  # before anything about the user is read
    user = await User.filter(id=command.user_id, deleted_at=None).first()
    if user is None:
        raise user_not_found(command.user_id)
    rbac.authorize_session_oversight(principal, target_role=Role(user.role))
    now = datetime.now(UTC)
    live = await active_sessions(deps.settings, user_id=user.id).order_by("-created_at")
    ended = (
        await UserSession.filter(user_id=user.id)
        .exclude(id__in=[session.id for session in live])
        .order_by("-created_at")
        .limit(ENDED_SHOWN)
    )
    sessions = sorted([*live, *ended], key=lambda session: session.created_at, reverse=True)
    return {"data": [user_session_view(session, deps.settings, now=now) for session in sessions]}


async def list_user_sessions(deps: WorkerDeps, envelope: CommandEnvelope[ListUserSessions]) -> dict:
    """A user's sessions, newest first: every live one and the last ended ones, with how each
    ended and who ended it (admins and services; moderators for plain users)."""
    return await execute_query(envelope, partial(_list, deps))


async def _end(unit: UnitOfWork, command: EndUserSessions) -> None:
    rbac.authorize_session_oversight(unit.principal)
    user = unit.target(command.user_id)
    rbac.authorize_session_oversight(unit.principal, target_role=Role(user.role))
    ended = await revoke_sessions(unit, user_id=user.id, reason=EndReason.REVOKED)
    await unit.record(action="user.sessions_end", entity_id=str(user.id), old=None, new={"sessions_ended": ended})
    return None


async def end_user_sessions(deps: WorkerDeps, envelope: CommandEnvelope[EndUserSessions]) -> dict:
    """End every live session of a user: their tokens stop at once (admins and services;
    moderators for plain users)."""
    return await execute_write(deps, envelope, work=_end, locks_user=_named_user)


async def _settings(principal: Principal, command: GetNotificationSettings) -> dict:
    rbac.authorize_own_settings(principal, command.user_id)
    user = await User.filter(id=command.user_id, deleted_at=None).first()
    if user is None:
        raise user_not_found(command.user_id)
    return {"new_sign_in": user.notify_new_sign_in}


async def get_notification_settings(deps: WorkerDeps, envelope: CommandEnvelope[GetNotificationSettings]) -> dict:
    """Which security mails the user gets that they may turn off."""
    return await execute_query(envelope, _settings)


async def _update_settings(unit: UnitOfWork, command: UpdateNotificationSettings) -> dict:
    rbac.authorize_own_settings(unit.principal, command.user_id)
    user = unit.target(command.user_id)
    if user.notify_new_sign_in != command.new_sign_in:
        # Not part of the user resource: neither its updated_at nor its ETag moves.
        await User.filter(id=user.id).using_db(unit.connection).update(notify_new_sign_in=command.new_sign_in)
        await unit.record(
            action="user.notifications_update",
            entity_id=str(user.id),
            old={"new_sign_in": user.notify_new_sign_in},
            new={"new_sign_in": command.new_sign_in},
        )
    return {"new_sign_in": command.new_sign_in}


async def update_notification_settings(deps: WorkerDeps, envelope: CommandEnvelope[UpdateNotificationSettings]) -> dict:
    """Turn the new-sign-in mail on or off (the user, or a service relaying them); audited."""
    return await execute_write(deps, envelope, work=_update_settings, locks_user=_named_user)


HANDLERS: Handlers = {
    ListUserSessions: list_user_sessions,
    EndUserSessions: end_user_sessions,
    GetNotificationSettings: get_notification_settings,
    UpdateNotificationSettings: update_notification_settings,
}
