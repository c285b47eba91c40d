"""session.* and auth.logout: checking, listing and ending sessions (workers/repositories/sessions.py
holds what they share with login, refresh and the user writes)."""

from usersvc.domain.commands import CheckSession, ListSessions, ListSessionsOfUsers, Logout, RevokeSession
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Principal, Role
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import (
    CommandEnvelope,
    UnitOfWork,
    execute_query,
    execute_write,
)
from usersvc.workers.models import UserSession
from usersvc.workers.repositories.sessions import active_session_entry, active_sessions, revoke_session, session_view
from usersvc.workers.routing import Handlers


async def check_session(deps: WorkerDeps, envelope: CommandEnvelope[CheckSession]) -> dict:
    """Edge-internal, on a cache miss: is this session active, and with which role?"""

    async def work(principal: Principal, command: CheckSession) -> dict:
        entry = await active_session_entry(command.session_id, deps.settings)
        await deps.cache.fill_session(str(command.session_id), entry)
        if entry is None or not principal.is_self(entry["user_id"]):
            raise DomainError(ErrorCode.INVALID_TOKEN, "The session is no longer active")
        return entry

    return await execute_query(envelope, work)


async def _revoke_requested(unit: UnitOfWork, command: Logout | RevokeSession) -> None:
    session = (
        await UserSession.filter(id=command.session_id, revoked_at=None)
        .select_for_update()
        .using_db(unit.connection)
        .first()
    )
    # Someone else's session is "not found" to a plain user: no enumeration of session ids.
    if session is None or not (unit.principal.is_self(session.user_id) or unit.principal.role == Role.ADMIN):
        raise DomainError(ErrorCode.NOT_FOUND, "Session not found")
    await revoke_session(unit, session)
    return None


async def logout(deps: WorkerDeps, envelope: CommandEnvelope[Logout]) -> dict:
    """End a session at once: its access and refresh tokens stop working."""
    return await execute_write(deps, envelope, work=_revoke_requested)


async def revoke(deps: WorkerDeps, envelope: CommandEnvelope[RevokeSession]) -> dict:
    """End one of the actor's sessions (admins and services: anyone's)."""
    return await execute_write(deps, envelope, work=_revoke_requested)


async def list_sessions(deps: WorkerDeps, envelope: CommandEnvelope[ListSessions]) -> dict:
    """The actor's own active sessions, newest first."""

    async def work(principal: Principal, command: ListSessions) -> dict:
        if principal.kind != "user":
            return {"data": []}
        sessions = await active_sessions(deps.settings, user_id=principal.id).order_by("-created_at")
        return {"data": [session_view(session, current=command.current_session_id) for session in sessions]}

    return await execute_query(envelope, work)


async def list_sessions_of_users(deps: WorkerDeps, envelope: CommandEnvelope[ListSessionsOfUsers]) -> dict:
    """The active sessions of each named user, newest first, in one query (admins and services;
    a user only its own): `{"data": {user_id: [session, …]}}`, every named user a key."""

    async def work(principal: Principal, command: ListSessionsOfUsers) -> dict:
        if principal.role != Role.ADMIN and not all(principal.is_self(user_id) for user_id in command.user_ids):
            raise DomainError(ErrorCode.FORBIDDEN, "You are not allowed to do this")
        found: dict[str, list[dict]] = {str(user_id): [] for user_id in command.user_ids}
        sessions = await active_sessions(deps.settings, user_id__in=command.user_ids).order_by("-created_at")
        for session in sessions:
            found[str(session.user_id)].append(session_view(session, current=None))
        return {"data": found}

    return await execute_query(envelope, work)


HANDLERS: Handlers = {
    CheckSession: check_session,
    ListSessions: list_sessions,
    ListSessionsOfUsers: list_sessions_of_users,
    RevokeSession: revoke,
    Logout: logout,
}
