"""MFA commands: TOTP enrolment, confirmation, turning it off, and the second login step.

Replies that hand a secret to its owner (the TOTP secret, recovery codes, tokens) are never
recorded for deduplication, so none of them rests in the database.
"""

import asyncio
from functools import partial

from usersvc.domain import rbac
from usersvc.domain.commands import ConfirmTotp, DisableTotp, EnrolTotp, ResetMfa, VerifyMfa
from usersvc.domain.errors import DomainError, ErrorCode, FieldError, validation_error
from usersvc.domain.mfa_challenge import MAX_WRONG_CODES
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.session_commands import EndReason
from usersvc.domain.totp import accepted_step, new_secret, provisioning_uri
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, RefuseAfterCommit, UnitOfWork, execute_write
from usersvc.workers.models import MfaChallenge, User, UserTotp
from usersvc.workers.repositories.sessions import open_session, revoke_sessions
from usersvc.workers.routing import Handlers
from usersvc.workers.second_factor import (
    accept_code,
    locked_totp,
    open_secret,
    replace_recovery_codes,
    set_mfa_enabled,
    totp_box,
)
from usersvc.workers.security_mails import MFA_ADDED, MFA_REMOVED, mail_security_notice
from usersvc.workers.user_lock import lock_live_user, lock_user, user_not_found


def _mfa_state_error(message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_ERROR, message, [FieldError(field="mfa_enabled", message=message)])


async def _authorize_then_check_password(
    deps: WorkerDeps, command: EnrolTotp | DisableTotp, principal: Principal
) -> None:
    """Re-authentication before the factor changes; bcrypt off the loop, before the transaction."""
    rbac.authorize_own_mfa(principal, command.user_id)
    user = await User.filter(id=command.user_id, deleted_at=None, is_active=True).first()
    if user is None:  # only a service can get here for someone unknown; it has admin rights
        raise user_not_found(command.user_id)
    if not await asyncio.to_thread(deps.hasher.verify, command.password, user.password_hash):
        raise validation_error("password", "is incorrect")


async def _enrol(deps: WorkerDeps, unit: UnitOfWork, command: EnrolTotp) -> dict:
    rbac.authorize_own_mfa(unit.principal, command.user_id)
    user = await lock_user(unit.connection, command.user_id, active=True)
    if not user.email_ever_verified:
        # A factor binds the account only to whoever proved the address: else someone who
        # registered another's address first could enrol one before the owner came.
        raise DomainError(ErrorCode.EMAIL_NOT_VERIFIED, "Verify your email address before enrolling MFA")
    if user.mfa_enabled:
        raise _mfa_state_error("MFA is already on; turn it off before enrolling again")
    secret = new_secret()
    settings = deps.settings
    # A new enrolment replaces one still pending (its secret was never confirmed).
    await UserTotp.filter(user_id=user.id).using_db(unit.connection).delete()
    await UserTotp.create(
        user_id=user.id,
        secret_sealed=totp_box(settings.secret_key).seal(secret.encode()),
        created_at=unit.now,
        using_db=unit.connection,
    )
    await unit.record(action="auth.mfa_enrol", entity_id=str(user.id), old=None, new={"mfa": "pending"})
    return {"secret": secret, "otpauth_uri": provisioning_uri(secret, account=user.email)}


async def enrol_totp(deps: WorkerDeps, envelope: CommandEnvelope[EnrolTotp]) -> dict:
    """Start TOTP enrolment: a new secret and its otpauth:// URI (the reply holds the secret)."""
    return await execute_write(
        deps,
        envelope,
        work=partial(_enrol, deps),
        prepare=partial(_authorize_then_check_password, deps),
        idempotent=False,
    )


async def _confirm(deps: WorkerDeps, unit: UnitOfWork, command: ConfirmTotp) -> dict:
    rbac.authorize_own_mfa(unit.principal, command.user_id)
    user = await lock_user(unit.connection, command.user_id, active=True)
    totp = await locked_totp(unit, user.id)
    if totp is None or totp.confirmed_at is not None:
        raise _mfa_state_error("No TOTP enrolment is pending; start one first")
    secret_key = deps.settings.secret_key
    step = accepted_step(open_secret(totp, secret_key=secret_key), command.code, now=unit.now, after_step=None)
    if step is None:
        raise validation_error("code", "is not a current code of the enrolled authenticator")
    totp.confirmed_at, totp.last_used_step = unit.now, step
    await totp.save(update_fields=["confirmed_at", "last_used_step"], using_db=unit.connection)
    codes = await replace_recovery_codes(unit, user_id=user.id, secret_key=secret_key)
    await set_mfa_enabled(unit, user, enabled=True, action="auth.mfa_enable")
    # A session opened before (perhaps by whoever had the password) would go on without the factor.
    await revoke_sessions(unit, user_id=user.id, reason=EndReason.REVOKED, keep=command.keep_session_id)
    await mail_security_notice(deps, unit, user, template=MFA_ADDED)
    return {"recovery_codes": codes}


async def confirm_totp(deps: WorkerDeps, envelope: CommandEnvelope[ConfirmTotp]) -> dict:
    """Turn MFA on with a current code; the reply holds ten recovery codes, shown once. The
    user's other sessions end."""
    return await execute_write(deps, envelope, work=partial(_confirm, deps), idempotent=False)


async def _disable(deps: WorkerDeps, unit: UnitOfWork, command: DisableTotp) -> None:
    rbac.authorize_own_mfa(unit.principal, command.user_id)
    user = await lock_user(unit.connection, command.user_id, active=True)
    if not user.mfa_enabled:
        raise _mfa_state_error("MFA is not on")
    if await accept_code(unit, user_id=user.id, code=command.code, secret_key=deps.settings.secret_key) is None:
        raise validation_error("code", "is not a current TOTP code or an unused recovery code")
    await set_mfa_enabled(unit, user, enabled=False, action="auth.mfa_disable")
    await mail_security_notice(deps, unit, user, template=MFA_REMOVED)
    return None


async def disable_totp(deps: WorkerDeps, envelope: CommandEnvelope[DisableTotp]) -> dict:
    """Turn one's own MFA off with the password and a code (TOTP or recovery code)."""
    # Not recorded for deduplication, like enrolment: the record would keep a (keyed) digest of
    # a body holding the password for nothing; a repeat is refused by state (MFA is off).
    return await execute_write(
        deps,
        envelope,
        work=partial(_disable, deps),
        prepare=partial(_authorize_then_check_password, deps),
        idempotent=False,
    )


async def _reset(deps: WorkerDeps, unit: UnitOfWork, command: ResetMfa) -> None:
    rbac.authorize_mfa_reset(unit.principal, command.user_id)
    user = await lock_user(unit.connection, command.user_id)
    if user.mfa_enabled:
        await set_mfa_enabled(unit, user, enabled=False, action="user.mfa_disable")
        await mail_security_notice(deps, unit, user, template=MFA_REMOVED)
    elif await UserTotp.filter(user_id=user.id).using_db(unit.connection).delete():
        await unit.record(action="user.mfa_disable", entity_id=str(user.id), old={"mfa": "pending"}, new=None)
    return None


async def reset_mfa(deps: WorkerDeps, envelope: CommandEnvelope[ResetMfa]) -> dict:
    """Turn a user's MFA off without their codes (admin or service, not on oneself)."""
    return await execute_write(deps, envelope, work=partial(_reset, deps))


def _wrong_code() -> RefuseAfterCommit:
    return RefuseAfterCommit(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


async def _verify(deps: WorkerDeps, unit: UnitOfWork, command: VerifyMfa) -> dict:
    challenge = await (
        MfaChallenge.filter(token_digest=opaque_token_digest(command.mfa_token))
        .select_for_update()
        .using_db(unit.connection)
        .first()
    )
    if challenge is None or challenge.spent_at is not None or challenge.expires_at <= unit.now:
        raise DomainError(ErrorCode.INVALID_TOKEN, "The mfa_token is unknown, used or expired; log in again")
    user = await lock_live_user(unit.connection, user_id=challenge.user_id, active=True)
    if user is None:  # deactivated or deleted since the password step: as a wrong login
        challenge.spent_at = unit.now
        await challenge.save(update_fields=["spent_at"], using_db=unit.connection)
        raise _wrong_code()
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who logs in
    second_factor = await accept_code(unit, user_id=user.id, code=command.code, secret_key=deps.settings.secret_key)
    if second_factor is None:
        challenge.wrong_codes += 1
        if challenge.wrong_codes >= MAX_WRONG_CODES:
            challenge.spent_at = unit.now
        await challenge.save(update_fields=["wrong_codes", "spent_at"], using_db=unit.connection)
        await unit.record(
            action="auth.mfa_wrong_code",
            entity_id=str(user.id),
            old=None,
            new={
                "challenge_id": str(challenge.id),
                "wrong_codes": challenge.wrong_codes,
                "spent": challenge.spent_at is not None,
            },
        )
        raise _wrong_code()  # committed: the count and the audit row stay
    challenge.spent_at = unit.now
    await challenge.save(update_fields=["spent_at"], using_db=unit.connection)
    return await open_session(
        deps, unit, user, second_factor=second_factor, browser_session_digest=command.browser_session_digest
    )


async def verify_mfa(deps: WorkerDeps, envelope: CommandEnvelope[VerifyMfa]) -> dict:
    """Second login step (edge only): mfa_token + code → the login reply. Replies carry tokens,
    so none is stored for dedupe."""
    return await execute_write(deps, envelope, work=partial(_verify, deps), idempotent=False)


HANDLERS: Handlers = {
    EnrolTotp: enrol_totp,
    ConfirmTotp: confirm_totp,
    DisableTotp: disable_totp,
    ResetMfa: reset_mfa,
    VerifyMfa: verify_mfa,
}
