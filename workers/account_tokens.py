"""One-time tokens in the database, and the mails that carry them.

Only a token's SHA-256 is stored (domain/one_time_tokens.py). A token is bound to its
purpose and to the address it was mailed to: it opens nothing else. Issuing a token retires
the user's earlier unused ones of the same purpose, so only the newest link works; a change
of the password or the email retires every one (`retire_tokens` without a purpose), in the
change's transaction. Retired is for good: an address that goes A → B → A does not revive a
link mailed to A before.
"""

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.one_time_tokens import (
    TokenPurpose,
)
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.domain.replies import iso_utc
from usersvc.settings import Settings
from usersvc.workers.models import AccountToken

if TYPE_CHECKING:
    from usersvc.workers.deps import WorkerDeps
    from usersvc.workers.unit_of_work import UnitOfWork

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
    deps: "WorkerDeps", unit: "UnitOfWork", *, user_id: object, email: str, username: str, purpose: TokenPurpose
) -> None:
    """Issue a token, queue the mail carrying its link, and record both (without the token)."""
    lifetime = token_lifetime(deps.settings, purpose)
    await retire_tokens(unit, user_id=user_id, purpose=purpose)
    token = new_opaque_token()
    expires_at = unit.now + lifetime
    await unit.account_tokens.add(
        AccountToken(
            id=uuid.uuid4(),
            user_id=user_id,
            purpose=purpose.value,
            token_hash=opaque_token_digest(token),
            email=email,
            expires_at=expires_at,
        )
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
    unit.record(action=action, entity_id=str(user_id), old=None, new=mailed, event=event, event_data=mailed)


async def retire_tokens(unit: "UnitOfWork", *, user_id: object, purpose: TokenPurpose | None = None) -> None:
    """The user's unused tokens of `purpose` stop working; without one, every link the user was
    mailed: what the password and email changes call, in their own transaction."""
    await unit.account_tokens.retire(user_id=user_id, purpose=purpose.value if purpose else None, at=unit.now)


async def live_token(unit: "UnitOfWork", token: str, *, purpose: TokenPurpose, lock: bool = False) -> AccountToken:
    """The unused, unexpired token of this purpose, or INVALID_TOKEN."""
    found = await unit.account_tokens.live(opaque_token_digest(token), purpose=purpose.value, now=unit.now, lock=lock)
    if found is None:
        raise token_refused()
    return found


async def spend_token(unit: "UnitOfWork", token: str, *, purpose: TokenPurpose) -> AccountToken:
    """Locked, checked and marked used in `unit`'s transaction: a token works once."""
    found = await live_token(unit, token, purpose=purpose, lock=True)
    found.used_at = unit.now
    await unit.account_tokens.update(found, ["used_at"])
    return found


async def recently_mailed(unit: "UnitOfWork", *, user_id: object, purpose: TokenPurpose, within: timedelta) -> bool:
    return await unit.account_tokens.issued_since(user_id=user_id, purpose=purpose.value, since=unit.now - within)
