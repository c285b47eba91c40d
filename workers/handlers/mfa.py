"""MFA commands: TOTP enrolment, confirmation, turning it off, and the second login step.

Replies that hand a secret to its owner (the TOTP secret, recovery codes, tokens) are never
recorded for deduplication, so none of them rests in the database.
"""

import asyncio
import uuid

from usersvc.domain import rbac
from usersvc.domain.commands import ConfirmTotp, DisableTotp, EnrolTotp, ResetMfa, VerifyMfa
from usersvc.domain.errors import DomainError, ErrorCode, FieldError, validation_error
from usersvc.domain.mfa_challenge import MAX_WRONG_CODES
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.session_commands import EndReason
from usersvc.domain.totp import accepted_step, new_secret, provisioning_uri
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.models import User, UserTotp
from usersvc.workers.repositories.sessions import open_session, revoke_sessions
from usersvc.workers.repositories.users import lock_user, user_not_found
from usersvc.workers.routing import Handlers
from usersvc.workers.second_factor import (
    accept_code,
    open_secret,
    replace_recovery_codes,
    set_mfa_enabled,
    totp_box,
)
from usersvc.workers.security_mails import MFA_ADDED, MFA_REMOVED, mail_security_notice
from usersvc.workers.unit_of_work import CommandEnvelope, RefuseAfterCommit, UnitOfWork


def _mfa_state_error(message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_ERROR, message, [FieldError(field="mfa_enabled", message=message)])


def _wrong_code() -> RefuseAfterCommit:
    return RefuseAfterCommit(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


async def _reauthenticate(deps: WorkerDeps, uow: UnitOfWork, command: EnrolTotp | DisableTotp) -> None:
    """Before the factor changes, and before the transaction (bcrypt holds no lock)."""
    rbac.authorize_own_mfa(await uow.acting(), command.user_id)
    user = await uow.users.find(command.user_id, active=True)
    if user is None:  # only a service can get here for someone unknown; it has admin rights
        raise user_not_found(command.user_id)
    if not await asyncio.to_thread(deps.hasher.verify, command.password, user.password_hash):
        raise validation_error("password", "is incorrect")


async def _lock_own_account(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """The transaction, then the actor's own (active) account locked: only its owner changes
    its factor."""
    await uow.begin()
    rbac.authorize_own_mfa(uow.principal, user_id)
    return await lock_user(uow, user_id, active=True)


async def enrol_totp(deps: WorkerDeps, envelope: CommandEnvelope[EnrolTotp]) -> dict:
    """Start TOTP enrolment: a new secret and its otpauth:// URI (the reply holds the secret)."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await _reauthenticate(deps, uow, command)
        user = await _lock_own_account(uow, command.user_id)
        if not user.email_ever_verified:
            # A factor binds the account only to whoever proved the address: else someone who
            # registered another's address first could enrol one before the owner came.
            raise DomainError(ErrorCode.EMAIL_NOT_VERIFIED, "Verify your email address before enrolling MFA")
        if user.mfa_enabled:
            raise _mfa_state_error("MFA is already on; turn it off before enrolling again")
        secret = new_secret()
        # A new enrolment replaces one still pending (its secret was never confirmed).
        await uow.second_factor.delete_totp(user.id)
        sealed = totp_box(deps.settings.secret_key).seal(secret.encode())
        await uow.second_factor.add_totp(UserTotp(user_id=user.id, secret_sealed=sealed, created_at=uow.now))
        uow.record(action="auth.mfa_enrol", entity_id=str(user.id), old=None, new={"mfa": "pending"})
        await uow.commit({"secret": secret, "otpauth_uri": provisioning_uri(secret, account=user.email)})
    return uow.reply


async def confirm_totp(deps: WorkerDeps, envelope: CommandEnvelope[ConfirmTotp]) -> dict:
    """Turn MFA on with a current code; the reply holds ten recovery codes, shown once. The
    user's other sessions end."""
    command = envelope.data
    secret_key = deps.settings.secret_key
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        user = await _lock_own_account(uow, command.user_id)
        totp = await uow.second_factor.lock_totp(user.id)
        if totp is None or totp.confirmed_at is not None:
            raise _mfa_state_error("No TOTP enrolment is pending; start one first")
        step = accepted_step(open_secret(totp, secret_key=secret_key), command.code, now=uow.now, after_step=None)
        if step is None:
            raise validation_error("code", "is not a current code of the enrolled authenticator")
        totp.confirmed_at, totp.last_used_step = uow.now, step
        await uow.second_factor.update_totp(totp, ["confirmed_at", "last_used_step"])
        codes = await replace_recovery_codes(uow, user_id=user.id, secret_key=secret_key)
        await set_mfa_enabled(uow, user, enabled=True, action="auth.mfa_enable")
        # A session opened before (perhaps by whoever had the password) would go on without the factor.
        await revoke_sessions(uow, user_id=user.id, reason=EndReason.REVOKED, keep=command.keep_session_id)
        await mail_security_notice(deps, uow, user, template=MFA_ADDED)
        await uow.commit({"recovery_codes": codes})
    return uow.reply


async def disable_totp(deps: WorkerDeps, envelope: CommandEnvelope[DisableTotp]) -> dict:
    """Turn one's own MFA off with the password and a code (TOTP or recovery code)."""
    command = envelope.data
    # Not recorded for deduplication, like enrolment: the record would keep a (keyed) digest of
    # a body holding the password for nothing; a repeat is refused by state (MFA is off).
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await _reauthenticate(deps, uow, command)
        user = await _lock_own_account(uow, command.user_id)
        if not user.mfa_enabled:
            raise _mfa_state_error("MFA is not on")
        if await accept_code(uow, user_id=user.id, code=command.code, secret_key=deps.settings.secret_key) is None:
            raise validation_error("code", "is not a current TOTP code or an unused recovery code")
        await set_mfa_enabled(uow, user, enabled=False, action="auth.mfa_disable")
        await mail_security_notice(deps, uow, user, template=MFA_REMOVED)
        await uow.commit(None)
    return uow.reply


async def reset_mfa(deps: WorkerDeps, envelope: CommandEnvelope[ResetMfa]) -> dict:
    """Turn a user's MFA off without their codes (admin or service, not on oneself)."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        rbac.authorize_mfa_reset(uow.principal, command.user_id)
        user = await lock_user(uow, command.user_id)
        if user.mfa_enabled:
            await set_mfa_enabled(uow, user, enabled=False, action="user.mfa_disable")
            await mail_security_notice(deps, uow, user, template=MFA_REMOVED)
        elif await uow.second_factor.delete_totp(user.id):
            uow.record(action="user.mfa_disable", entity_id=str(user.id), old={"mfa": "pending"}, new=None)
        await uow.commit(None)
    return uow.reply


async def verify_mfa(deps: WorkerDeps, envelope: CommandEnvelope[VerifyMfa]) -> dict:
    """Second login step (edge only): mfa_token + code → the login reply. Replies carry tokens,
    so none is stored for dedupe."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        challenge = await uow.second_factor.lock_challenge(opaque_token_digest(command.mfa_token))
        if challenge is None or challenge.spent_at is not None or challenge.expires_at <= uow.now:
            raise DomainError(ErrorCode.INVALID_TOKEN, "The mfa_token is unknown, used or expired; log in again")
        user = await uow.users.lock(user_id=challenge.user_id, active=True)
        if user is None:  # deactivated or deleted since the password step: as a wrong login
            challenge.spent_at = uow.now
            await uow.second_factor.update_challenge(challenge, ["spent_at"])
            raise _wrong_code()
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who logs in
        second_factor = await accept_code(uow, user_id=user.id, code=command.code, secret_key=deps.settings.secret_key)
        if second_factor is None:
            challenge.wrong_codes += 1
            if challenge.wrong_codes >= MAX_WRONG_CODES:
                challenge.spent_at = uow.now
            await uow.second_factor.update_challenge(challenge, ["wrong_codes", "spent_at"])
            uow.record(
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
        challenge.spent_at = uow.now
        await uow.second_factor.update_challenge(challenge, ["spent_at"])
        browser = command.browser_session_digest
        await uow.commit(
            await open_session(deps, uow, user, second_factor=second_factor, browser_session_digest=browser)
        )
    return uow.reply


HANDLERS: Handlers = {
    EnrolTotp: enrol_totp,
    ConfirmTotp: confirm_totp,
    DisableTotp: disable_totp,
    ResetMfa: reset_mfa,
    VerifyMfa: verify_mfa,
}
