"""Sessions: what the edge checks on every request, kept in the cache by these functions."""

import uuid
from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from usersvc.domain.commands import CheckSession, ListSessions, Logout, RevokeSession
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import iso_utc
from usersvc.settings import Settings
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import (
    CommandEnvelope,
    UnitOfWork,
    execute_query,
    execute_write,
)
from usersvc.workers.models import User, UserSession
from usersvc.workers.routing import Handlers


def session_entry(*, user_id: object, role: str) -> dict:
    """What the edge reads for a session id: whose it is and the role it acts with now."""
    return {"user_id": str(user_id), "role": str(role)}


def session_ends_at(created_at: datetime, settings: Settings) -> datetime:
    """A session ends at the latest SESSION_MAX_AGE_DAYS after its login, however often it is
    refreshed."""
    return created_at + timedelta(days=settings.session_max_age_days)


def active_sessions(settings: Settings, **filters) -> QuerySet[UserSession]:
    """Not revoked, not expired, not past its maximum age (expires_at of sessions refreshed
    before the cap existed may reach past it, so created_at is checked too)."""
    now = datetime.now(UTC)
    oldest = now - timedelta(days=settings.session_max_age_days)
    return UserSession.filter(revoked_at=None, expires_at__gt=now, created_at__gt=oldest, **filters)


def session_event_data(session: UserSession) -> dict:
    return {
        "id": str(session.id),
        "user_id": str(session.user_id),
        "created_at": iso_utc(session.created_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        "revoked_at": iso_utc(session.revoked_at),
    }


async def revoke_session(unit: UnitOfWork, session: UserSession) -> None:
    """Revoked in the database, tombstoned in the cache: the edge refuses its tokens at once."""
    session.revoked_at = unit.now
    await session.save(update_fields=["revoked_at"], using_db=unit.connection)
    await unit.record(
        action="session.revoke",
        entity_type="session",
        entity_id=str(session.id),
        old=None,
        new={"user_id": str(session.user_id), "revoked_at": iso_utc(unit.now)},
        event="session.revoked",
        event_data=session_event_data(session),
    )
    unit.cache.sessions[str(session.id)] = None


async def revoke_sessions(unit: UnitOfWork, *, user_id: uuid.UUID, keep: uuid.UUID | None = None) -> int:
    query = UserSession.filter(user_id=user_id, revoked_at=None).using_db(unit.connection)
    if keep is not None:
        query = query.exclude(id=keep)
    sessions = await query.select_for_update()
    for session in sessions:
        await revoke_session(unit, session)
    return len(sessions)


async def sessions_follow_role(unit: UnitOfWork, *, user_id: uuid.UUID, role: str, settings: Settings) -> None:
    """Tokens carry the role they were issued with; the edge acts on the cached one."""
    active = await active_sessions(settings, user_id=user_id).using_db(unit.connection).values_list("id", flat=True)
    for session_id in active:
        unit.cache.sessions[str(session_id)] = session_entry(user_id=user_id, role=role)


async def active_session_entry(session_id: uuid.UUID, settings: Settings) -> dict | None:
    session = await active_sessions(settings, id=session_id).first()
    if session is None:
        return None
    user = await User.filter(id=session.user_id, deleted_at=None, is_active=True).first()
    return session_entry(user_id=user.id, role=user.role) if user else None


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


def session_view(session: UserSession, *, current: uuid.UUID | None) -> dict:
    return {
        "id": str(session.id),
        "created_at": iso_utc(session.created_at),
        "last_used_at": iso_utc(session.last_used_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        "current": session.id == current,
    }


async def list_sessions(deps: WorkerDeps, envelope: CommandEnvelope[ListSessions]) -> dict:
    """The actor's own active sessions, newest first."""

    async def work(principal: Principal, command: ListSessions) -> dict:
        if principal.kind != "user":
            return {"data": []}
        sessions = await active_sessions(deps.settings, user_id=principal.id).order_by("-created_at")
        return {"data": [session_view(session, current=command.current_session_id) for session in sessions]}

    return await execute_query(envelope, work)


HANDLERS: Handlers = {
    CheckSession: check_session,
    ListSessions: list_sessions,
    RevokeSession: revoke,
    Logout: logout,
}
