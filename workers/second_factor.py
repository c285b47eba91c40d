"""The second factor at rest and in use: sealed TOTP secrets, recovery-code digests, code checks.

Everything here runs inside a command's transaction, on rows it has locked, so two logins
racing with one code cannot both be accepted (the last used step and a recovery code's
`used_at` are decided under the lock).
"""

import uuid
from functools import cache
from typing import TYPE_CHECKING

from usersvc.domain.recovery_codes import RecoveryCodeDigester, new_recovery_codes
from usersvc.domain.totp import accepted_step, looks_like_totp_code
from usersvc.secret_box import SecretBox
from usersvc.workers.models import MfaRecoveryCode, User, UserTotp
from usersvc.workers.repositories.users import view_of

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork


@cache
def totp_box(secret_key: str) -> SecretBox:
    return SecretBox(secret_key, purpose="mfa")


@cache
def recovery_digester(secret_key: str) -> RecoveryCodeDigester:
    return RecoveryCodeDigester(secret_key)


def open_secret(totp: UserTotp, *, secret_key: str) -> str:
    return totp_box(secret_key).open(totp.secret_sealed).decode()


async def accept_code(unit: "UnitOfWork", *, user_id: object, code: str, secret_key: str) -> str | None:
    """Spend `code` for this user's confirmed factor: "totp" or "recovery_code", else None
    (wrong, replayed, already used, or no factor)."""
    totp = await unit.second_factor.lock_totp(user_id)
    if totp is None or totp.confirmed_at is None:
        return None
    if looks_like_totp_code(code):
        step = accepted_step(
            open_secret(totp, secret_key=secret_key), code, now=unit.now, after_step=totp.last_used_step
        )
        if step is None:
            return None
        totp.last_used_step = step
        await unit.second_factor.update_totp(totp, ["last_used_step"])
        return "totp"
    recovery = await unit.second_factor.lock_unused_recovery_code(user_id, recovery_digester(secret_key).digest(code))
    if recovery is None:
        return None
    recovery.used_at = unit.now
    await unit.second_factor.update_recovery_code(recovery, ["used_at"])
    return "recovery_code"


async def replace_recovery_codes(unit: "UnitOfWork", *, user_id: object, secret_key: str) -> list[str]:
    """Ten new codes; earlier ones stop working. Only their digests are stored."""
    await unit.second_factor.delete_recovery_codes(user_id)
    codes = new_recovery_codes()
    digester = recovery_digester(secret_key)
    await unit.second_factor.add_recovery_codes(
        [
            MfaRecoveryCode(id=uuid.uuid4(), user_id=user_id, code_digest=digester.digest(code), created_at=unit.now)
            for code in codes
        ]
    )
    return codes


async def set_mfa_enabled(unit: "UnitOfWork", user: User, *, enabled: bool, action: str) -> dict:
    """The user resource shows mfa_enabled: the change is audited, published and cached like
    any other user change."""
    old = view_of(user)
    if not enabled:
        await unit.second_factor.delete_recovery_codes(user.id)
        await unit.second_factor.delete_totp(user.id)
    user.mfa_enabled = enabled
    unit.users.save(user, ["mfa_enabled"])
    new = view_of(user)
    unit.record(action=action, entity_id=new["id"], old=old, new=new, event="user.updated")
    unit.cache.changed_user(old=old, new=new)  # mfa_enabled: only pages sorted by updated_at go
    return new
