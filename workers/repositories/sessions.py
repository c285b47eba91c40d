"""Sessions in the database: what the edge checks on every request (kept in the cache by
these functions), opening one at login, and ending one or all of a user's."""

import uuid
from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from usersvc.domain.replies import iso_utc
from usersvc.domain.session_commands import EndReason
from usersvc.settings import Settings
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.models import User, UserSession
from usersvc.workers.repositories.users import view_of
from usersvc.workers.security_mails import note_sign_in


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
        "end_reason": session.end_reason,
    }


async def revoke_session(unit: UnitOfWork, session: UserSession, *, reason: EndReason, by_actor: bool = True) -> None:
    """Revoked in the database, tombstoned in the cache: the edge refuses its tokens at once.
    `reason` says why (GET /v1/users/{id}/sessions shows it) and the acting principal is
    recorded as who ended it, unless `by_actor` is false: the service itself decided (a
    token presented twice), whoever the command runs for."""
    session.revoked_at = unit.now
    session.end_reason = reason.value
    ended_by = by_actor and reason != EndReason.REFRESH_REUSE
    session.ended_by_type = unit.principal.kind if ended_by else None
    session.ended_by_id = unit.principal.id if ended_by else None
    await session.save(
        update_fields=["revoked_at", "end_reason", "ended_by_type", "ended_by_id"], using_db=unit.connection
    )
    await unit.record(
        action="session.revoke",
        entity_type="session",
        entity_id=str(session.id),
        old=None,
        new={"user_id": str(session.user_id), "revoked_at": iso_utc(unit.now), "end_reason": reason.value},
        event="session.revoked",
        event_data=session_event_data(session),
    )
    unit.cache.sessions[str(session.id)] = None


async def revoke_sessions(
    unit: UnitOfWork, *, user_id: uuid.UUID, reason: EndReason, keep: uuid.UUID | None = None
) -> int:
    # Sessions that expired already keep that as their end.
    query = UserSession.filter(user_id=user_id, revoked_at=None, expires_at__gt=unit.now).using_db(unit.connection)
    if keep is not None:
        query = query.exclude(id=keep)
    sessions = await query.select_for_update()
    for session in sessions:
        await revoke_session(unit, session, reason=reason)
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


def session_view(session: UserSession, *, current: uuid.UUID | None) -> dict:
    return {
        "id": str(session.id),
        "created_at": iso_utc(session.created_at),
        "last_used_at": iso_utc(session.last_used_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        "current": session.id == current,
    }


def ended_view(session: UserSession, settings: Settings, *, now: datetime) -> dict:
    """How a session ended, for GET /v1/users/{id}/sessions: revoked (and why, by whom), or
    expired (its refresh token or its maximum age ran out), or nothing while it is live."""
    if session.revoked_at is not None:
        ended_by = (
            {"type": session.ended_by_type, "id": session.ended_by_id}
            if session.ended_by_type and session.ended_by_id
            else None
        )
        reason = session.end_reason or EndReason.REVOKED.value
        return {"ended_at": iso_utc(session.revoked_at), "end_reason": reason, "ended_by": ended_by}
    ends_at = min(session.expires_at, session_ends_at(session.created_at, settings))
    if ends_at <= now:
        return {"ended_at": iso_utc(ends_at), "end_reason": EndReason.EXPIRED.value, "ended_by": None}
    return {"ended_at": None, "end_reason": None, "ended_by": None}


def user_session_view(session: UserSession, settings: Settings, *, now: datetime) -> dict:
    return {
        "id": str(session.id),
        "kind": session.kind,
        "client_id": session.client_id,
        "created_at": iso_utc(session.created_at),
        "last_used_at": iso_utc(session.last_used_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        **ended_view(session, settings, now=now),
    }


def amr_of(second_factor: str | None) -> list[str]:
    """RFC 8176 methods of a sign-in: a password, then a one-time code (TOTP or recovery)."""
    return ["pwd", "otp"] if second_factor else ["pwd"]


async def open_session(
    deps: WorkerDeps,
    unit: UnitOfWork,
    user: User,
    *,
    second_factor: str | None = None,
    browser_session_digest: str | None = None,
) -> dict:
    """The login reply: a new session and its tokens (after the password, and the second
    factor when MFA is on). `user` is locked by the caller. With `browser_session_digest`
    (the provider's sign-in page) the session is the browser's, keyed by its cookie's
    digest, and the reply carries no tokens."""
    session_id = uuid.uuid4()
    ends_at = session_ends_at(unit.now, deps.settings)
    tokens = None
    if browser_session_digest is None:
        tokens = deps.tokens.issue(
            key=await deps.signing_key.get(unit.connection),
            user_id=str(user.id),
            session_id=str(session_id),
            role=user.role,
            now=unit.now,
            not_after=ends_at,
        )
    session = await UserSession.create(
        id=session_id,
        user_id=user.id,
        refresh_token_hash=tokens.refresh_token_hash if tokens else browser_session_digest,
        last_used_at=unit.now,
        created_at=unit.now,
        expires_at=tokens.refresh_expires_at if tokens else ends_at,
        ip_address=unit.context.ip,
        user_agent=unit.context.user_agent,
        kind="api" if tokens else "browser",
        amr=amr_of(second_factor),
        auth_time=unit.now,
        using_db=unit.connection,
    )
    await note_sign_in(deps, unit, user)
    old = view_of(user)
    user.last_login_at = unit.now
    await unit.save(user, ["last_login_at"])
    new = view_of(user)
    logged_in = {"last_login_at": new["last_login_at"], "session_id": str(session_id)}
    if second_factor:
        logged_in["second_factor"] = second_factor
    if tokens is None:
        logged_in["provider_sign_in"] = True
    await unit.record(
        action="auth.login",
        entity_id=new["id"],
        old={"last_login_at": old["last_login_at"]},
        new=logged_in,
        event="session.created",
        event_data=session_event_data(session),
    )
    unit.cache.changed_user(old=old, new=new)  # last_login_at: only pages sorted by updated_at go
    unit.cache.sessions[str(session_id)] = session_entry(user_id=user.id, role=user.role)
    if tokens is None:
        return {"browser_session_id": str(session_id), "user": new}
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "user": new,
    }
