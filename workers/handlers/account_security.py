"""user.sessions_list, user.sessions_end, auth.notifications_*: what an administrator sees and
ends of a user's sessions, and which security mails a user wants (docs/api.md)."""

from datetime import UTC, datetime

from usersvc.domain import rbac
from usersvc.domain.rbac import Role
from usersvc.domain.session_commands import (
    EndReason,
    EndUserSessions,
    GetNotificationSettings,
    ListUserSessions,
    UpdateNotificationSettings,
)
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.repositories.sessions import revoke_sessions, user_session_view
from usersvc.workers.repositories.users import user_not_found
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope

# Every live session is listed; of the ended ones, the newest this many.
ENDED_SHOWN = 100


async def list_user_sessions(deps: WorkerDeps, envelope: CommandEnvelope[ListUserSessions]) -> dict:
    """A user's sessions, newest first: every live one and the last ended ones, with how each
    ended and who ended it (admins and services; moderators for plain users)."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        rbac.authorize_session_oversight(principal)  # before anything about the user is read
        user = await uow.users.find(command.user_id)
        if user is None:
            raise user_not_found(command.user_id)
        rbac.authorize_session_oversight(principal, target_role=Role(user.role))
        live = await uow.sessions.active_of(user.id)
        ended = await uow.sessions.ended_of(user.id, exclude=[session.id for session in live], limit=ENDED_SHOWN)
        sessions = sorted([*live, *ended], key=lambda session: session.created_at, reverse=True)
        now = datetime.now(UTC)
        await uow.commit({"data": [user_session_view(session, deps.settings, now=now) for session in sessions]})
    return uow.reply


async def end_user_sessions(deps: WorkerDeps, envelope: CommandEnvelope[EndUserSessions]) -> dict:
    """End every live session of a user: their tokens stop at once (admins and services;
    moderators for plain users)."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin(locking=command.user_id)
        rbac.authorize_session_oversight(uow.principal)
        user = uow.target(command.user_id)
        rbac.authorize_session_oversight(uow.principal, target_role=Role(user.role))
        ended = await revoke_sessions(uow, user_id=user.id, reason=EndReason.REVOKED)
        uow.record(action="user.sessions_end", entity_id=str(user.id), old=None, new={"sessions_ended": ended})
        await uow.commit(None)
    return uow.reply


async def get_notification_settings(deps: WorkerDeps, envelope: CommandEnvelope[GetNotificationSettings]) -> dict:
    """Which security mails the user gets that they may turn off."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.authorize_own_settings(await uow.acting(), command.user_id)
        user = await uow.users.find(command.user_id)
        if user is None:
            raise user_not_found(command.user_id)
        await uow.commit({"new_sign_in": user.notify_new_sign_in})
    return uow.reply


async def update_notification_settings(deps: WorkerDeps, envelope: CommandEnvelope[UpdateNotificationSettings]) -> dict:
    """Turn the new-sign-in mail on or off (the user, or a service relaying them); audited."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin(locking=command.user_id)
        rbac.authorize_own_settings(uow.principal, command.user_id)
        user = uow.target(command.user_id)
        if user.notify_new_sign_in != command.new_sign_in:
            old = user.notify_new_sign_in
            user.notify_new_sign_in = command.new_sign_in
            # Not part of the user resource: neither its updated_at nor its ETag moves.
            uow.users.save(user, ["notify_new_sign_in"], touch=False)
            uow.record(
                action="user.notifications_update",
                entity_id=str(user.id),
                old={"new_sign_in": old},
                new={"new_sign_in": command.new_sign_in},
            )
        await uow.commit({"new_sign_in": command.new_sign_in})
    return uow.reply


HANDLERS: Handlers = {
    ListUserSessions: list_user_sessions,
    EndUserSessions: end_user_sessions,
    GetNotificationSettings: get_notification_settings,
    UpdateNotificationSettings: update_notification_settings,
}
