"""Account lifecycle: registration, email verification, password reset.

The links these mail carry one-time tokens (workers/account_tokens.py); the mails leave
from the outbox after commit (workers/mail_outbox.py).
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from usersvc.domain import rbac
from usersvc.domain.commands import (
    CreateUser,
    Register,
    RequestEmailVerification,
    RequestPasswordReset,
    ResetPassword,
    VerifyEmail,
)
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.one_time_tokens import TokenPurpose
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import RegistrationAccepted, Reply
from usersvc.domain.session_commands import EndReason
from usersvc.workers.account_tokens import (
    live_token,
    mail_token,
    recently_mailed,
    retire_tokens,
    spend_token,
    token_refused,
)
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, UnitOfWork, execute_write
from usersvc.workers.models import AuditLog, User
from usersvc.workers.repositories.sessions import revoke_sessions
from usersvc.workers.repositories.users import add_user, users_named, view_of
from usersvc.workers.routing import Handlers
from usersvc.workers.second_factor import set_mfa_enabled
from usersvc.workers.security_mails import MFA_REMOVED, PASSWORD_CHANGED, mail_security_notice
from usersvc.workers.user_lock import lock_live_user, lock_user

# Anyone may ask for a reset of any address, or register with it: at most one mail of each
# kind per account per minute, so a mailbox cannot be flooded. An earlier link works meanwhile.
RESET_MAIL_INTERVAL = timedelta(minutes=1)
REGISTERED_TAKEN = "user.register_taken_email"  # audited; the account is not changed


def _registration_open(deps: WorkerDeps) -> None:
    # Also checked here, not only at the edge: the setting is the workers' to enforce.
    if not deps.settings.allow_registration:
        raise DomainError(ErrorCode.NOT_FOUND, "Registration is not open")


async def _open_then_hash(deps: WorkerDeps, command: Register, _: Principal) -> str:
    _registration_open(deps)
    return await asyncio.to_thread(deps.hasher.hash, command.password)


async def _register(deps: WorkerDeps, unit: UnitOfWork, command: Register) -> dict[str, Any]:
    """Both branches have hashed the password already (prepare), so the answer's timing does
    not tell a new address from a taken one either."""
    _registration_open(deps)
    if await users_named(command.username).using_db(unit.connection).exists():
        raise DomainError(ErrorCode.USERNAME_TAKEN, "That username is already taken")  # usernames are public
    holder = await User.filter(email=command.email).using_db(unit.connection).first()  # deleted ones too
    if holder is None:
        await _open_account(deps, unit, command)
    else:
        await _tell_the_holder(deps, unit, holder)
    return RegistrationAccepted(status="verification_sent").model_dump()


async def _open_account(deps: WorkerDeps, unit: UnitOfWork, command: Register) -> None:
    user_id = uuid.uuid4()
    unit.principal = Principal(kind="user", id=str(user_id), role=Role.USER)  # audit: the newcomer
    user = await add_user(
        unit, CreateUser(**command.model_dump(), role=Role.USER), action="user.register", user_id=user_id
    )
    await mail_token(
        deps, unit, user_id=user_id, email=user["email"], username=user["username"], purpose=TokenPurpose.VERIFY_EMAIL
    )


async def _tell_the_holder(deps: WorkerDeps, unit: UnitOfWork, holder: User) -> None:
    """The address has an account: nothing changes, and its owner, not the registrant, hears of
    it (at most once a minute). A deactivated or deleted account's address is sent nothing."""
    holder_id = str(holder.id)
    told_lately = (
        await AuditLog.filter(
            entity_id=holder_id, action=REGISTERED_TAKEN, created_at__gt=unit.now - RESET_MAIL_INTERVAL
        )
        .using_db(unit.connection)
        .exists()
    )
    if holder.is_active and holder.deleted_at is None and not told_lately:
        await deps.mail.queue(unit, template="account_exists", to=holder.email, values={"username": holder.username})
    await unit.record(action=REGISTERED_TAKEN, entity_id=holder_id, old=None, new={"user_id": holder_id})


async def register(deps: WorkerDeps, envelope: CommandEnvelope[Register]) -> dict[str, Any]:
    """Register for an account (ALLOW_REGISTRATION): a new address gets a user with role user
    and a verification link; a taken one a mail to its owner instead. The reply is the same."""
    reply = await execute_write(deps, envelope, work=partial(_register, deps), prepare=partial(_open_then_hash, deps))
    if not reply["ok"] and reply["error"]["code"] == ErrorCode.EMAIL_TAKEN:
        # Registrations racing for one new address: the losers met the winner's row at insert.
        # They answer as for a taken address, so a race tells no more than a lookup would.
        return Reply.success(RegistrationAccepted(status="verification_sent").model_dump()).to_json_dict()
    return reply


async def _request_verification(deps: WorkerDeps, unit: UnitOfWork, command: RequestEmailVerification) -> None:
    rbac.authorize_replace(unit.principal, command.user_id)  # who may change the email may have it checked
    user = await lock_user(unit.connection, command.user_id)
    if not user.email_verified:
        await mail_token(
            deps, unit, user_id=user.id, email=user.email, username=user.username, purpose=TokenPurpose.VERIFY_EMAIL
        )
    return None


async def request_email_verification(
    deps: WorkerDeps, envelope: CommandEnvelope[RequestEmailVerification]
) -> dict[str, Any]:
    """Mail a new verification link to the user's current email (self, admin or service);
    earlier links stop working. Nothing is sent when the email is verified already."""
    return await execute_write(deps, envelope, work=partial(_request_verification, deps))


async def _verify(unit: UnitOfWork, command: VerifyEmail) -> None:
    token = await spend_token(unit, command.token, purpose=TokenPurpose.VERIFY_EMAIL)
    user = await lock_live_user(unit.connection, user_id=token.user_id)
    if user is None or user.email != token.email:  # the address changed since: this link is stale
        raise token_refused()
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the owner
    if user.email_verified:
        return None
    old = view_of(user)
    user.email_verified = True
    await unit.save(user, ["email_verified"])
    new = view_of(user)
    await unit.record(
        action="user.verify_email",
        entity_id=new["id"],
        old={"email_verified": False},
        new={"email": user.email, "email_verified": True},
        event="user.updated",
        event_data=new,
    )
    unit.cache.changed_user(old=old, new=new)
    return None


async def verify_email(deps: WorkerDeps, envelope: CommandEnvelope[VerifyEmail]) -> dict[str, Any]:
    """Spend an email-verification token: the user's email_verified becomes true (edge only)."""
    return await execute_write(deps, envelope, work=_verify)


async def _request_reset(deps: WorkerDeps, unit: UnitOfWork, command: RequestPasswordReset) -> None:
    user = await lock_live_user(unit.connection, email=command.email, active=True)
    if user is None:
        return None  # the same answer: whether an address has an account is not told
    if await recently_mailed(unit, user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD, within=RESET_MAIL_INTERVAL):
        return None
    await mail_token(
        deps, unit, user_id=user.id, email=user.email, username=user.username, purpose=TokenPurpose.RESET_PASSWORD
    )
    return None


async def request_password_reset(deps: WorkerDeps, envelope: CommandEnvelope[RequestPasswordReset]) -> dict[str, Any]:
    """Mail a password-reset link if this address belongs to an active user (at most one a
    minute per account). The reply is the same whether or not it does."""
    return await execute_write(deps, envelope, work=partial(_request_reset, deps))


async def _check_token_then_hash(deps: WorkerDeps, command: ResetPassword, _: Principal) -> str:
    # No bcrypt is spent on a token that is unknown, used or expired.
    await live_token(command.token, purpose=TokenPurpose.RESET_PASSWORD, now=datetime.now(UTC))
    return await asyncio.to_thread(deps.hasher.hash, command.new_password)


async def _reset(deps: WorkerDeps, unit: UnitOfWork, command: ResetPassword) -> dict[str, Any]:
    token = await spend_token(unit, command.token, purpose=TokenPurpose.RESET_PASSWORD)
    user = await lock_live_user(unit.connection, user_id=token.user_id, active=True)
    if user is None or user.email != token.email:  # deactivated, deleted, or the address changed
        raise token_refused()
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the owner
    old = view_of(user)
    # The mail reached its address: whoever opened the link owns it, so the address is verified.
    squatted = not user.email_ever_verified
    user.password_hash, user.email_verified = unit.prepared, True
    await unit.save(user, ["password_hash", "email_verified"])
    if squatted and user.mfa_enabled:
        # Whoever registered the address first and enrolled a factor does not keep the account.
        await set_mfa_enabled(unit, user, enabled=False, action="user.mfa_disable_on_reset")
        await mail_security_notice(deps, unit, user, template=MFA_REMOVED)
    await retire_tokens(unit, user_id=user.id)
    await revoke_sessions(unit, user_id=user.id, reason=EndReason.PASSWORD_CHANGE)
    await mail_security_notice(deps, unit, user, template=PASSWORD_CHANGED)
    new = view_of(user)
    verified_now = not old["email_verified"]
    await unit.record(
        action="user.reset_password",
        entity_id=new["id"],
        old={"email_verified": False} if verified_now else None,
        new={"email_verified": True} if verified_now else None,
        event="user.updated",
        event_data=new,
    )
    unit.cache.changed_user(old=old, new=new)
    return {"user": new}


async def reset_password(deps: WorkerDeps, envelope: CommandEnvelope[ResetPassword]) -> dict[str, Any]:
    """Spend a password-reset token for a new password; every session of the user is revoked
    (edge only). The reply names the user, so the edge can lift its login back-off."""
    return await execute_write(
        deps, envelope, work=partial(_reset, deps), prepare=partial(_check_token_then_hash, deps)
    )


HANDLERS: Handlers = {
    Register: register,
    RequestEmailVerification: request_email_verification,
    VerifyEmail: verify_email,
    RequestPasswordReset: request_password_reset,
    ResetPassword: reset_password,
}
