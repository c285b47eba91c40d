"""auth.* commands."""

import asyncio
import uuid

from faststream.rabbit import RabbitRouter
from usersvc.domain.commands import Login, Refresh
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Principal, Role
from usersvc.workers.deps import WorkerDeps, current_deps
from usersvc.workers.execution import (
    CommandEnvelope,
    RefuseAfterCommit,
    UnitOfWork,
    execute_write,
)
from usersvc.workers.handlers.sessions import (
    revoke_session,
    session_ends_at,
    session_entry,
    session_event_data,
)
from usersvc.workers.handlers.users import users_named, view_of
from usersvc.workers.models import User, UserSession
from usersvc.workers.subscription import subscribe

from usersvc.tokens import InvalidToken


def _invalid_credentials() -> DomainError:
    return DomainError(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


def _verify_credentials(deps: WorkerDeps):
    async def prepare(command: Login, _: Principal) -> User:
        candidates = User.filter(email=command.email.strip().lower()) if command.email \
            else users_named(command.username)
        user = await candidates.filter(deleted_at=None, is_active=True).first()
        # Unknown, inactive and deleted users verify against a dummy hash: same time, same answer.
        ok = await asyncio.to_thread(deps.hasher.verify, command.password,
                                     user.password_hash if user else None)
        if not ok:
            raise _invalid_credentials()
        return user
    return prepare


def _open_session(deps: WorkerDeps):
    async def work(unit: UnitOfWork, command: Login) -> dict:
        user = await User.filter(id=unit.prepared.id, deleted_at=None, is_active=True) \
            .select_for_update().using_db(unit.connection).first()
        if user is None:  # deactivated between the password check and now
            raise _invalid_credentials()
        session_id = uuid.uuid4()
        ends_at = session_ends_at(unit.now)
        tokens = deps.tokens.issue(user_id=str(user.id), session_id=str(session_id), role=user.role,
                                   now=unit.now, not_after=ends_at)
        session = await UserSession.create(
            id=session_id, user_id=user.id, refresh_jti=tokens.refresh_jti, last_used_at=unit.now,
            created_at=unit.now, expires_at=min(unit.now + deps.tokens.refresh_ttl, ends_at),
            ip_address=unit.context.ip,
            user_agent=unit.context.user_agent, using_db=unit.connection)
        unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who logged in
        old = view_of(user)
        user.last_login_at = unit.now
        await user.save(update_fields=["last_login_at", "updated_at"], using_db=unit.connection)
        new = view_of(user)
        await unit.record(action="auth.login", entity_id=new["id"], old={"last_login_at": old["last_login_at"]},
                          new={"last_login_at": new["last_login_at"], "session_id": str(session_id)},
                          event="session.created", event_data=session_event_data(session))
        unit.cache.users.append(new)
        unit.cache.sessions[str(session_id)] = session_entry(user_id=user.id, role=user.role)
        return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                "token_type": "Bearer", "expires_in": tokens.expires_in, "user": new}
    return work


async def login(envelope: CommandEnvelope[Login]) -> dict:
    """Check a password and open a session. Replies carry tokens, so none is stored for dedupe."""
    return await execute_write(envelope, idempotent=False, work=_open_session(current_deps()),
                               prepare=_verify_credentials(current_deps()))


def _token_refused(error: InvalidToken) -> DomainError:
    if error.expired:
        return DomainError(ErrorCode.TOKEN_EXPIRED, "The refresh token has expired")
    return DomainError(ErrorCode.INVALID_TOKEN, "The refresh token is invalid")


async def _rotate(unit: UnitOfWork, command: Refresh) -> dict:
    deps = current_deps()
    try:
        claims = deps.tokens.decode(command.refresh_token, expected_type="refresh")
    except InvalidToken as error:
        raise _token_refused(error) from None
    session = await UserSession.filter(id=claims["sid"]).select_for_update().using_db(unit.connection).first()
    if session is None or session.revoked_at is not None or str(session.user_id) != claims["sub"]:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The session of this refresh token has ended")
    user = await User.filter(id=session.user_id).using_db(unit.connection).first()
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the session's user
    if session.refresh_jti != claims["jti"]:
        # A spent refresh token came back: someone holds a copy. End the whole session.
        await revoke_session(unit, session)
        raise RefuseAfterCommit(ErrorCode.INVALID_TOKEN, "This refresh token was already used; the session is revoked")
    if user.deleted_at is not None or not user.is_active:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The session of this refresh token has ended")
    ends_at = session_ends_at(session.created_at)
    if unit.now >= ends_at:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The session has reached its maximum age; log in again")
    tokens = deps.tokens.issue(user_id=str(user.id), session_id=str(session.id), role=user.role, now=unit.now,
                               not_after=ends_at)
    session.refresh_jti, session.last_used_at = tokens.refresh_jti, unit.now
    session.expires_at = min(unit.now + deps.tokens.refresh_ttl, ends_at)
    await session.save(update_fields=["refresh_jti", "last_used_at", "expires_at"], using_db=unit.connection)
    unit.cache.sessions[str(session.id)] = session_entry(user_id=user.id, role=user.role)
    return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
            "token_type": "Bearer", "expires_in": tokens.expires_in}


async def refresh(envelope: CommandEnvelope[Refresh]) -> dict:
    """Spend a refresh token for a new pair. Replies carry tokens, so none is stored for dedupe."""
    return await execute_write(envelope, work=_rotate, idempotent=False)


def auth_router(*, prefetch: int) -> RabbitRouter:
    router = RabbitRouter()
    subscribe(router, Login, prefetch=prefetch)(login)
    subscribe(router, Refresh, prefetch=prefetch)(refresh)
    return router
