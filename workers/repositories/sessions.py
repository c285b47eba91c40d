"""Sessions in the database: what the edge checks on every request (kept in the cache by
these steps), opening one at login, rotating its refresh token, and ending one or all of a
user's. `SessionsRepository` speaks SQL; the functions below it are the steps the login,
refresh, logout and user-change handlers share."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.queryset import QuerySet

from usersvc.domain.replies import iso_utc
from usersvc.domain.session_commands import EndReason
from usersvc.settings import Settings
from usersvc.tokens import TokenPair
from usersvc.workers.models import SpentRefreshToken, User, UserSession
from usersvc.workers.repositories.base import Repository
from usersvc.workers.repositories.users import view_of
from usersvc.workers.security_mails import note_sign_in

if TYPE_CHECKING:
    from usersvc.workers.deps import WorkerDeps
    from usersvc.workers.unit_of_work import UnitOfWork


def session_entry(*, user_id: object, role: str) -> dict:
    """What the edge reads for a session id: whose it is and the role it acts with now."""
    return {"user_id": str(user_id), "role": str(role)}


def session_ends_at(created_at: datetime, settings: Settings) -> datetime:
    """A session ends at the latest SESSION_MAX_AGE_DAYS after its login, however often it is
    refreshed."""
    return created_at + timedelta(days=settings.session_max_age_days)


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


def session_view(session: UserSession, *, current: uuid.UUID | None) -> dict:
    return {
        "id": str(session.id),
        "created_at": iso_utc(session.created_at),
        "last_used_at": iso_utc(session.last_used_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        "current": session.id == current,
    }


class SessionsRepository(Repository):
    def _active(self, **filters: object) -> QuerySet[UserSession]:
        """Not revoked, not expired, not past its maximum age (expires_at of sessions refreshed
        before the cap existed may reach past it, so created_at is checked too)."""
        now = datetime.now(UTC)
        oldest = now - timedelta(days=self.unit.settings.session_max_age_days)
        return UserSession.filter(revoked_at=None, expires_at__gt=now, created_at__gt=oldest, **filters)

    async def active(self, session_id: uuid.UUID) -> UserSession | None:
        return await self._active(id=session_id).using_db(self._db).first()

    async def active_by_refresh_token(self, digest: str, *, kind: str) -> UserSession | None:
        """A live session of `kind` by its current refresh-token digest (a provider cookie's
        for `browser`), nothing locked: to read, not to rotate."""
        return await self._active(refresh_token_hash=digest, kind=kind).using_db(self._db).first()

    async def active_of(self, user_id: object) -> list[UserSession]:
        """A user's active sessions, newest first."""
        return await self._active(user_id=user_id).using_db(self._db).order_by("-created_at")

    async def active_of_users(self, user_ids: list[uuid.UUID]) -> list[UserSession]:
        """The active sessions of several users in one query, newest first."""
        return await self._active(user_id__in=user_ids).using_db(self._db).order_by("-created_at")

    async def active_ids_of(self, user_id: object) -> list[uuid.UUID]:
        return list(await self._active(user_id=user_id).using_db(self._db).values_list("id", flat=True))  # type: ignore[arg-type]

    async def ended_of(self, user_id: object, *, exclude: list[uuid.UUID], limit: int) -> list[UserSession]:
        """A user's sessions but `exclude` (the live ones), newest first, at most `limit`."""
        query = UserSession.filter(user_id=user_id).exclude(id__in=exclude).using_db(self._db)
        return await query.order_by("-created_at").limit(limit)

    async def lock_open(self, session_id: uuid.UUID) -> UserSession | None:
        """A session not revoked (expired ones too), locked."""
        return await UserSession.filter(id=session_id, revoked_at=None).select_for_update().using_db(self._db).first()

    async def lock(self, session_id: uuid.UUID) -> UserSession:
        """A session a foreign key says exists, locked."""
        return await UserSession.filter(id=session_id).select_for_update().using_db(self._db).get()

    async def lock_open_of(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> list[UserSession]:
        query = UserSession.filter(user_id=user_id, revoked_at=None).using_db(self._db)
        if keep is not None:
            query = query.exclude(id=keep)
        return await query.select_for_update()

    async def lock_by_refresh_token(self, token_hash: str, *, kind: str = "api") -> UserSession | None:
        """The session whose current refresh token this is, locked: two refreshes with one
        token, and the second waits for the first, then no longer matches it. Only sessions
        of `kind`: /v1/auth/refresh must never turn an OAuth client's grant, or the
        provider's browser cookie, into a full-rights pair."""
        return (
            await UserSession.filter(refresh_token_hash=token_hash, kind=kind)
            .select_for_update()
            .using_db(self._db)
            .first()
        )

    async def add(self, session: UserSession) -> None:
        await session.save(using_db=self._db, force_create=True)

    async def update(self, session: UserSession, fields: list[str]) -> None:
        await session.save(update_fields=fields, using_db=self._db)

    async def spent_token(self, token_hash: str) -> SpentRefreshToken | None:
        return await SpentRefreshToken.filter(token_hash=token_hash).using_db(self._db).first()

    async def add_spent_token(self, token_hash: str, *, session_id: uuid.UUID, spent_at: datetime) -> None:
        await SpentRefreshToken.create(
            token_hash=token_hash, session_id=session_id, spent_at=spent_at, using_db=self._db
        )


# --- steps the handlers share ---------------------------------------------------------------


async def revoke_session(unit: "UnitOfWork", session: UserSession, *, reason: EndReason, by_actor: bool = True) -> None:
    """Revoked in the database, tombstoned in the cache: the edge refuses its tokens at once.
    `reason` says why (GET /v1/users/{id}/sessions shows it) and the acting principal is
    recorded as who ended it, unless `by_actor` is false: the service itself decided (a
    token presented twice), whoever the command runs for."""
    session.revoked_at = unit.now
    session.end_reason = reason.value
    ended_by = by_actor and reason != EndReason.REFRESH_REUSE
    session.ended_by_type = unit.principal.kind if ended_by else None
    session.ended_by_id = unit.principal.id if ended_by else None
    await unit.sessions.update(session, ["revoked_at", "end_reason", "ended_by_type", "ended_by_id"])
    unit.record(
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
    unit: "UnitOfWork", *, user_id: uuid.UUID, reason: EndReason, keep: uuid.UUID | None = None
) -> int:
    # Sessions that expired already keep that as their end.
    sessions = [
        session for session in await unit.sessions.lock_open_of(user_id, keep=keep) if session.expires_at > unit.now
    ]
    for session in sessions:
        await revoke_session(unit, session, reason=reason)
    return len(sessions)


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


async def sessions_follow_role(unit: "UnitOfWork", *, user_id: uuid.UUID, role: str) -> None:
    """Tokens carry the role they were issued with; the edge acts on the cached one."""
    for session_id in await unit.sessions.active_ids_of(user_id):
        unit.cache.sessions[str(session_id)] = session_entry(user_id=user_id, role=role)


async def active_session_entry(unit: "UnitOfWork", session_id: uuid.UUID) -> dict | None:
    session = await unit.sessions.active(session_id)
    if session is None:
        return None
    user = await unit.users.find(session.user_id, active=True)
    return session_entry(user_id=user.id, role=user.role) if user else None


def _token_reply(tokens: TokenPair, **extra: object) -> dict:
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        **extra,
    }


def amr_of(second_factor: str | None) -> list[str]:
    """RFC 8176 methods of a sign-in: a password, then a one-time code (TOTP or recovery)."""
    return ["pwd", "otp"] if second_factor else ["pwd"]


async def open_session(
    deps: "WorkerDeps",
    unit: "UnitOfWork",
    user: User,
    *,
    second_factor: str | None = None,
    browser_session_digest: str | None = None,
    amr: list[str] | None = None,
    vouched_by: dict | None = None,
    method: str | None = None,
) -> dict:
    """The login reply: a new session and its tokens (after the password, and the second
    factor when MFA is on). `user` is locked by the caller. With `browser_session_digest`
    (the provider's sign-in page) the session is the browser's, keyed by its cookie's
    digest, and the reply carries no tokens. `amr`: the methods when not a password and
    perhaps a code (a passkey's hwk/swk); the access tokens carry them. `vouched_by`: who
    vouched for the second factor instead of usersvc (a trusted provider's slug and amr),
    into the audit row. `method`: how the analytics count a sign-in that is none of these
    (domain/analytics.py sign_in_method)."""
    session_id = uuid.uuid4()
    methods = amr or amr_of(second_factor)
    ends_at = session_ends_at(unit.now, deps.settings)
    tokens = None
    if browser_session_digest is None:
        tokens = deps.tokens.issue(
            key=deps.signing_key.open(await unit.signing_keys.current()),
            user_id=str(user.id),
            session_id=str(session_id),
            role=user.role,
            now=unit.now,
            not_after=ends_at,
            amr=methods,
        )
    session = UserSession(
        id=session_id,
        user_id=user.id,
        refresh_token_hash=tokens.refresh_token_hash if tokens else browser_session_digest,
        last_used_at=unit.now,
        created_at=unit.now,
        expires_at=tokens.refresh_expires_at if tokens else ends_at,
        ip_address=unit.context.ip,
        user_agent=unit.context.user_agent,
        kind="api" if tokens else "browser",
        amr=methods,
        auth_time=unit.now,
    )
    await unit.sessions.add(session)
    await note_sign_in(deps, unit, user)
    old = view_of(user)
    user.last_login_at = unit.now
    unit.users.save(user, ["last_login_at"])
    new = view_of(user)
    logged_in = {"last_login_at": new["last_login_at"], "session_id": str(session_id)}
    if method:  # else the analytics tell it from second_factor and amr (domain/analytics.py)
        logged_in["method"] = method
    if second_factor:
        logged_in["second_factor"] = second_factor
    if amr:
        logged_in["amr"] = methods
    if vouched_by:
        logged_in["second_factor_vouched_by"] = vouched_by
    if tokens is None:
        logged_in["provider_sign_in"] = True
    unit.record(
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
    return _token_reply(tokens, user=new)


async def rotate_refresh_token(
    deps: "WorkerDeps", unit: "UnitOfWork", session: UserSession, user: User, *, presented: str
) -> dict:
    """A new token pair for a live session; the presented token (its digest) is spent, and
    kept to tell a replay. `session` is locked by the caller."""
    tokens = deps.tokens.issue(
        key=deps.signing_key.open(await unit.signing_keys.current()),
        user_id=str(user.id),
        session_id=str(session.id),
        role=user.role,
        now=unit.now,
        not_after=session_ends_at(session.created_at, deps.settings),
        amr=session.amr,  # how the session's user signed in, as at login
    )
    await unit.sessions.add_spent_token(presented, session_id=session.id, spent_at=unit.now)
    session.refresh_token_hash, session.last_used_at = tokens.refresh_token_hash, unit.now
    session.expires_at = tokens.refresh_expires_at
    await unit.sessions.update(session, ["refresh_token_hash", "last_used_at", "expires_at"])
    unit.cache.sessions[str(session.id)] = session_entry(user_id=user.id, role=user.role)
    return _token_reply(tokens)
