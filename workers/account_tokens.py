"""One-time tokens in the database, and the mails that carry them.

Only a token's SHA-256 is stored (domain/one_time_tokens.py). A token is bound to its
purpose and to the address it was mailed to: it opens nothing else. Issuing a token retires
the user's earlier unused ones of the same purpose, so only the newest link works; a change
of the password or the email retires every one (`retire_tokens` without a purpose), in the
change's transaction. Retired is for good: an address that goes A → B → A does not revive a
link mailed to A before.
"""

import uuid
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.one_time_tokens import (
    TokenPurpose,
)
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.domain.replies import iso_utc
from usersvc.settings import Settings
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.models import AccountToken

LINK_PATHS = {TokenPurpose.VERIFY_EMAIL: "/verify-email", TokenPurpose.RESET_PASSWORD: "/reset-password"}
# Audit action and event of each kind of mail (neither holds the token).
MAILED = {
    TokenPurpose.VERIFY_EMAIL: ("user.request_email_verification", "user.email_verification_requested"),
    TokenPurpose.RESET_PASSWORD: ("user.request_password_reset", "user.password_reset_requested"),
}


def token_refused() -> DomainError:
    return DomainError(ErrorCode.INVALID_TOKEN, "This link is unknown, used or expired")


def token_lifetime(settings: Settings, purpose: TokenPurpose) -> timedelta:
    if purpose is TokenPurpose.VERIFY_EMAIL:
        return timedelta(hours=settings.email_verification_expire_hours)
    return timedelta(minutes=settings.password_reset_expire_minutes)


def describe(lifetime: timedelta) -> str:
    """'48 hours', '30 minutes': how the mail says how long its link works."""
    minutes = round(lifetime.total_seconds() / 60)
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60} hours"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


async def mail_token(
    deps: WorkerDeps, unit: UnitOfWork, *, user_id: object, email: str, username: str, purpose: TokenPurpose
) -> None:
    """Issue a token, queue the mail carrying its link, and record both (without the token)."""
    lifetime = token_lifetime(deps.settings, purpose)
    await retire_tokens(unit, user_id=user_id, purpose=purpose)
    token = new_opaque_token()
    expires_at = unit.now + lifetime
    await AccountToken.create(
        id=uuid.uuid4(),
        user_id=user_id,
        purpose=purpose.value,
        token_hash=opaque_token_digest(token),
        email=email,
        expires_at=expires_at,
        using_db=unit.connection,
    )
    link = f"{deps.settings.public_url.rstrip('/')}{LINK_PATHS[purpose]}?token={token}"
    await deps.mail.queue(
        unit,
        template=purpose.value,
        to=email,
        values={"username": username, "link": link, "expires": describe(lifetime)},
    )
    action, event = MAILED[purpose]
    mailed = {"user_id": str(user_id), "email": email, "expires_at": iso_utc(expires_at)}
    await unit.record(action=action, entity_id=str(user_id), old=None, new=mailed, event=event, event_data=mailed)


async def retire_tokens(unit: UnitOfWork, *, user_id: object, purpose: TokenPurpose | None = None) -> None:
    """The user's unused tokens of `purpose` stop working; without one, every link the user was
    mailed: what the password and email changes call, in their own transaction."""
    unused = AccountToken.filter(user_id=user_id, used_at=None)
    if purpose is not None:
        unused = unused.filter(purpose=purpose.value)
    await unused.using_db(unit.connection).update(used_at=unit.now)


async def live_token(
    token: str, *, purpose: TokenPurpose, now: datetime, connection: BaseDBAsyncClient | None = None, lock: bool = False
) -> AccountToken:
    """The unused, unexpired token of this purpose, or INVALID_TOKEN."""
    query = AccountToken.filter(
        token_hash=opaque_token_digest(token), purpose=purpose.value, used_at=None, expires_at__gt=now
    )
    if lock:
        query = query.select_for_update()
    found = await (query.using_db(connection) if connection else query).first()
    if found is None:
        raise token_refused()
    return found


async def spend_token(unit: UnitOfWork, token: str, *, purpose: TokenPurpose) -> AccountToken:
    """Locked, checked and marked used in `unit`'s transaction: a token works once."""
    found = await live_token(token, purpose=purpose, now=unit.now, connection=unit.connection, lock=True)
    found.used_at = unit.now
    await found.save(update_fields=["used_at"], using_db=unit.connection)
    return found


async def recently_mailed(unit: UnitOfWork, *, user_id: object, purpose: TokenPurpose, within: timedelta) -> bool:
    return (
        await AccountToken.filter(user_id=user_id, purpose=purpose.value, created_at__gt=unit.now - within)
        .using_db(unit.connection)
        .exists()
    )
