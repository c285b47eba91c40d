"""auth.* commands."""

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import NoReturn

from usersvc.cache_keys import login_identifier
from usersvc.domain.commands import Login, Refresh
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.passwords import PasswordHasher
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.session_commands import EndReason
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import (
    CommandEnvelope,
    RefuseAfterCommit,
    UnitOfWork,
    execute_write,
)
from usersvc.workers.mfa_login import start_mfa_challenge
from usersvc.workers.models import SpentRefreshToken, User, UserSession
from usersvc.workers.repositories.sessions import (
    open_session,
    revoke_session,
    session_ends_at,
    session_entry,
)
from usersvc.workers.repositories.users import users_named
from usersvc.workers.routing import Handlers
from usersvc.workers.user_lock import lock_live_user

LOGIN_HELD_BACK = "Too many failed logins for this account; retry later"


def _invalid_credentials() -> DomainError:
    return DomainError(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


@dataclass(frozen=True)
class VerifiedPassword:
    user: User
    # The same password under the current scheme, when the stored hash is of an older one
    # (an imported user's first login).
    upgraded_hash: str | None


async def _verify_credentials(deps: WorkerDeps, command: Login, _: Principal) -> VerifiedPassword:
    # Login's validator lets exactly one of email and username through, in stored form.
    candidates = User.filter(email=command.email) if command.email else users_named(command.username or "")
    user = await candidates.filter(deleted_at=None, is_active=True).first()
    # The edge held back what it could tell from the identifier; the account's own back-off
    # holds too, whichever identifier was used (and the edge counts a failure against it).
    held_ms = await deps.cache.check_login(
        identifier=login_identifier(email=command.email, username=command.username),
        user_id=user.id if user else None,
        client=command.client,
    )
    if held_ms:
        raise DomainError(ErrorCode.RATE_LIMITED, LOGIN_HELD_BACK)
    # Unknown, inactive and deleted users verify against a dummy hash: same time, same answer.
    ok, upgraded_hash = await asyncio.to_thread(
        deps.hasher.verify_and_update, command.password, user.password_hash if user else None
    )
    if not ok or user is None:
        raise _invalid_credentials()
    return VerifiedPassword(user=user, upgraded_hash=upgraded_hash)


async def _upgrade_password_hash(
    unit: UnitOfWork, user: User, verified: VerifiedPassword, *, hasher: PasswordHasher
) -> None:
    """Only over the hash that was verified: a password changed meanwhile is not undone."""
    upgraded_hash = verified.upgraded_hash
    if upgraded_hash is None or user.password_hash != verified.user.password_hash:
        return
    old_scheme = hasher.scheme_of(user.password_hash)
    await User.filter(id=user.id).using_db(unit.connection).update(password_hash=upgraded_hash)
    user.password_hash = upgraded_hash
    await unit.record(
        action="auth.password_rehash",
        entity_id=str(user.id),
        old={"password_scheme": old_scheme},
        new={"password_scheme": hasher.scheme_of(upgraded_hash)},
    )


async def _open_session(deps: WorkerDeps, unit: UnitOfWork, command: Login) -> dict:
    verified: VerifiedPassword = unit.prepared
    user = await lock_live_user(unit.connection, user_id=verified.user.id, active=True)
    if user is None:  # deactivated between the password check and now
        raise _invalid_credentials()
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who logged in
    if verified.upgraded_hash:
        await _upgrade_password_hash(unit, user, verified, hasher=deps.hasher)
    if user.mfa_enabled:
        return await start_mfa_challenge(unit, user)
    return await open_session(deps, unit, user, browser_session_digest=command.browser_session_digest)


async def login(deps: WorkerDeps, envelope: CommandEnvelope[Login]) -> dict:
    """Check a password and open a session. Replies carry tokens, so none is stored for dedupe."""
    return await execute_write(
        deps, envelope, idempotent=False, work=partial(_open_session, deps), prepare=partial(_verify_credentials, deps)
    )


async def _refuse_spent_token(unit: UnitOfWork, presented: str) -> NoReturn:
    """No session holds this refresh token now. One that was spent came back: someone holds a
    copy, so its whole session ends. Anything else is simply unknown."""
    spent = await SpentRefreshToken.filter(token_hash=presented).using_db(unit.connection).first()
    if spent is None:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The refresh token is invalid")
    # Foreign keys: a spent token's session, and a session's user, always exist.
    session = await UserSession.filter(id=spent.session_id).select_for_update().using_db(unit.connection).get()
    if session.revoked_at is None:
        user = await User.filter(id=session.user_id).using_db(unit.connection).get()
        unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the session's user
        await revoke_session(unit, session, reason=EndReason.REFRESH_REUSE)
    raise RefuseAfterCommit(ErrorCode.INVALID_TOKEN, "This refresh token was already used; the session is revoked")


async def _rotate(deps: WorkerDeps, unit: UnitOfWork, command: Refresh) -> dict:
    presented = opaque_token_digest(command.refresh_token)
    # Two refreshes with one token: the second waits for this row's lock, then no longer
    # matches it, and finds the token spent.
    # Only sessions of /v1/auth/login: a client's grant (its own token endpoint, its scopes)
    # or the provider's browser cookie must never turn into a full-rights pair here.
    session = (
        await UserSession.filter(refresh_token_hash=presented, kind="api")
        .select_for_update()
        .using_db(unit.connection)
        .first()
    )
    if session is None:
        await _refuse_spent_token(unit, presented)
    if session.revoked_at is not None:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The session of this refresh token has ended")
    user = await User.filter(id=session.user_id).using_db(unit.connection).get()
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the session's user
    if user.deleted_at is not None or not user.is_active:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The session of this refresh token has ended")
    ends_at = session_ends_at(session.created_at, deps.settings)
    if unit.now >= ends_at:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The session has reached its maximum age; log in again")
    if unit.now >= session.expires_at:
        raise DomainError(ErrorCode.TOKEN_EXPIRED, "The refresh token has expired")
    tokens = deps.tokens.issue(
        key=await deps.signing_key.get(unit.connection),
        user_id=str(user.id),
        session_id=str(session.id),
        role=user.role,
        now=unit.now,
        not_after=ends_at,
    )
    await SpentRefreshToken.create(
        token_hash=presented, session_id=session.id, spent_at=unit.now, using_db=unit.connection
    )
    session.refresh_token_hash, session.last_used_at = tokens.refresh_token_hash, unit.now
    session.expires_at = tokens.refresh_expires_at
    await session.save(update_fields=["refresh_token_hash", "last_used_at", "expires_at"], using_db=unit.connection)
    unit.cache.sessions[str(session.id)] = session_entry(user_id=user.id, role=user.role)
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
    }


async def refresh(deps: WorkerDeps, envelope: CommandEnvelope[Refresh]) -> dict:
    """Spend a refresh token for a new pair. Replies carry tokens, so none is stored for dedupe."""
    return await execute_write(deps, envelope, work=partial(_rotate, deps), idempotent=False)


HANDLERS: Handlers = {Login: login, Refresh: refresh}
