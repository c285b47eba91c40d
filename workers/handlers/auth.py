"""auth.* commands."""

import asyncio
from dataclasses import dataclass
from typing import NoReturn

from usersvc.cache_keys import login_identifier
from usersvc.domain.commands import Login, Refresh
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.passwords import PasswordHasher
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.session_commands import EndReason
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.mfa_login import start_mfa_challenge
from usersvc.workers.models import User
from usersvc.workers.repositories.sessions import open_session, revoke_session, rotate_refresh_token, session_ends_at
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope, RefuseAfterCommit, UnitOfWork

LOGIN_HELD_BACK = "Too many failed logins for this account; retry later"


def _invalid_credentials() -> DomainError:
    return DomainError(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


def _ended() -> DomainError:
    return DomainError(ErrorCode.INVALID_TOKEN, "The session of this refresh token has ended")


@dataclass(frozen=True)
class VerifiedPassword:
    user: User
    # The same password under the current scheme, when the stored hash is of an older one
    # (an imported user's first login).
    upgraded_hash: str | None


async def _verify_credentials(deps: WorkerDeps, uow: UnitOfWork, command: Login) -> VerifiedPassword:
    """Before the transaction: bcrypt holds no lock."""
    # Login's validator lets exactly one of email and username through, in stored form.
    user = await uow.users.find_for_login(email=command.email, username=command.username)
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
        await _refuse_wrong_password(uow, user)
    return VerifiedPassword(user=user, upgraded_hash=upgraded_hash)


async def _refuse_wrong_password(uow: UnitOfWork, user: User | None) -> NoReturn:
    """Audited (the analytics count failed sign-ins from the trail) whether or not an account
    was named: the same write either way, so the time tells nothing."""
    await uow.begin()
    entity_id = str(user.id) if user else ""
    uow.record(action="auth.login_failed", entity_id=entity_id, old=None, new={"refused": "invalid credentials"})
    raise RefuseAfterCommit(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


def _upgrade_password_hash(uow: UnitOfWork, user: User, verified: VerifiedPassword, *, hasher: PasswordHasher) -> None:
    """Only over the hash that was verified: a password changed meanwhile is not undone."""
    upgraded_hash = verified.upgraded_hash
    if upgraded_hash is None or user.password_hash != verified.user.password_hash:
        return
    old_scheme = hasher.scheme_of(user.password_hash)
    user.password_hash = upgraded_hash
    uow.users.save(user, ["password_hash"], touch=False)  # not a change the user's resource shows
    uow.record(
        action="auth.password_rehash",
        entity_id=str(user.id),
        old={"password_scheme": old_scheme},
        new={"password_scheme": hasher.scheme_of(upgraded_hash)},
    )


async def login(deps: WorkerDeps, envelope: CommandEnvelope[Login]) -> dict:
    """Check a password and open a session. Replies carry tokens, so none is stored for dedupe."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()  # an unknown or deactivated acting user is refused before any work
        verified = await _verify_credentials(deps, uow, command)
        await uow.begin()
        user = await uow.users.lock(user_id=verified.user.id, active=True)
        if user is None:  # deactivated between the password check and now
            raise _invalid_credentials()
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who logged in
        _upgrade_password_hash(uow, user, verified, hasher=deps.hasher)
        if user.mfa_enabled:
            await uow.commit(await start_mfa_challenge(uow, user))
        else:
            browser = command.browser_session_digest
            await uow.commit(await open_session(deps, uow, user, browser_session_digest=browser))
    return uow.reply


async def refresh(deps: WorkerDeps, envelope: CommandEnvelope[Refresh]) -> dict:
    """Spend a refresh token for a new pair. Replies carry tokens, so none is stored for dedupe."""
    presented = opaque_token_digest(envelope.data.refresh_token)
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        session = await uow.sessions.lock_by_refresh_token(presented)
        if session is None:
            await _refuse_spent_token(uow, presented)
        if session.revoked_at is not None:
            raise _ended()
        user = await uow.users.get(session.user_id)
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the session's user
        if user.deleted_at is not None or not user.is_active:
            raise _ended()
        if uow.now >= session_ends_at(session.created_at, deps.settings):
            raise DomainError(ErrorCode.INVALID_TOKEN, "The session has reached its maximum age; log in again")
        if uow.now >= session.expires_at:
            raise DomainError(ErrorCode.TOKEN_EXPIRED, "The refresh token has expired")
        await uow.commit(await rotate_refresh_token(deps, uow, session, user, presented=presented))
    return uow.reply


async def _refuse_spent_token(uow: UnitOfWork, presented: str) -> NoReturn:
    """No session holds this refresh token now. One that was spent came back: someone holds a
    copy, so its whole session ends. Anything else is simply unknown."""
    spent = await uow.sessions.spent_token(presented)
    if spent is None:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The refresh token is invalid")
    # Foreign keys: a spent token's session, and a session's user, always exist.
    session = await uow.sessions.lock(spent.session_id)
    if session.revoked_at is None:
        user = await uow.users.get(session.user_id)
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the session's user
        await revoke_session(uow, session, reason=EndReason.REFRESH_REUSE)
    raise RefuseAfterCommit(ErrorCode.INVALID_TOKEN, "This refresh token was already used; the session is revoked")


HANDLERS: Handlers = {Login: login, Refresh: refresh}
