"""session.* and auth.logout: checking, listing and ending sessions (workers/repositories/sessions.py
holds what they share with login, refresh and the user writes)."""

from usersvc.domain.commands import CheckSession, ListSessions, ListSessionsOfUsers, Logout, RevokeSession
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Role
from usersvc.domain.session_commands import EndReason
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.repositories.sessions import active_session_entry, revoke_session, session_view
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


async def check_session(deps: WorkerDeps, envelope: CommandEnvelope[CheckSession]) -> dict:
    """Edge-internal, on a cache miss: is this session active, and with which role?"""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        entry = await active_session_entry(uow, command.session_id)
        await deps.cache.fill_session(str(command.session_id), entry)
        if entry is None or not principal.is_self(entry["user_id"]):
            raise DomainError(ErrorCode.INVALID_TOKEN, "The session is no longer active")
        await uow.commit(entry)
    return uow.reply


async def _end_session(deps: WorkerDeps, envelope: CommandEnvelope[Logout] | CommandEnvelope[RevokeSession]) -> dict:
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        session = await uow.sessions.lock_open(command.session_id)
        # Someone else's session is "not found" to a plain user: no enumeration of session ids.
        if session is None or not (uow.principal.is_self(session.user_id) or uow.principal.role == Role.ADMIN):
            raise DomainError(ErrorCode.NOT_FOUND, "Session not found")
        reason = EndReason.LOGOUT if isinstance(command, Logout) else EndReason.REVOKED
        await revoke_session(uow, session, reason=reason)
        await uow.commit(None)
    return uow.reply


async def logout(deps: WorkerDeps, envelope: CommandEnvelope[Logout]) -> dict:
    """End a session at once: its access and refresh tokens stop working."""
    return await _end_session(deps, envelope)


async def revoke(deps: WorkerDeps, envelope: CommandEnvelope[RevokeSession]) -> dict:
    """End one of the actor's sessions (admins and services: anyone's)."""
    return await _end_session(deps, envelope)


async def list_sessions(deps: WorkerDeps, envelope: CommandEnvelope[ListSessions]) -> dict:
    """The actor's own active sessions, newest first."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        if principal.kind != "user":
            await uow.commit({"data": []})
            return uow.reply
        sessions = await uow.sessions.active_of(principal.id)
        await uow.commit({"data": [session_view(session, current=command.current_session_id) for session in sessions]})
    return uow.reply


async def list_sessions_of_users(deps: WorkerDeps, envelope: CommandEnvelope[ListSessionsOfUsers]) -> dict:
    """The active sessions of each named user, newest first, in one query (admins and services;
    a user only its own): `{"data": {user_id: [session, …]}}`, every named user a key."""

    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        if principal.role != Role.ADMIN and not all(principal.is_self(user_id) for user_id in command.user_ids):
            raise DomainError(ErrorCode.FORBIDDEN, "You are not allowed to do this")
        found: dict[str, list[dict]] = {str(user_id): [] for user_id in command.user_ids}
        for session in await uow.sessions.active_of_users(command.user_ids):
            found[str(session.user_id)].append(session_view(session, current=None))
        await uow.commit({"data": found})
    return uow.reply


HANDLERS: Handlers = {
    CheckSession: check_session,
    ListSessions: list_sessions,
    ListSessionsOfUsers: list_sessions_of_users,
    RevokeSession: revoke,
    Logout: logout,
}
