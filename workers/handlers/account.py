"""Account lifecycle: registration, email verification, password reset.

The links these mail carry one-time tokens (workers/account_tokens.py); the mails leave
from the outbox after commit (workers/mail_outbox.py).
"""

import asyncio
import uuid
from datetime import timedelta
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
from usersvc.workers.models import User
from usersvc.workers.repositories.sessions import revoke_sessions
from usersvc.workers.repositories.users import add_user, lock_user, view_of
from usersvc.workers.routing import Handlers
from usersvc.workers.second_factor import set_mfa_enabled
from usersvc.workers.security_mails import MFA_REMOVED, PASSWORD_CHANGED, mail_security_notice
from usersvc.workers.unit_of_work import CommandEnvelope, UnitOfWork

# Anyone may ask for a reset of any address, or register with it: at most one mail of each
# kind per account per minute, so a mailbox cannot be flooded. An earlier link works meanwhile.
RESET_MAIL_INTERVAL = timedelta(minutes=1)
REGISTERED_TAKEN = "user.register_taken_email"  # audited; the account is not changed
ACCEPTED = RegistrationAccepted(status="verification_sent").model_dump()


def _registration_open(deps: WorkerDeps) -> None:
    # Also checked here, not only at the edge: the setting is the workers' to enforce.
    if not deps.settings.allow_registration:
        raise DomainError(ErrorCode.NOT_FOUND, "Registration is not open")


async def register(deps: WorkerDeps, envelope: CommandEnvelope[Register]) -> dict[str, Any]:
    """Register for an account (ALLOW_REGISTRATION): a new address gets a user with role user
    and a verification link; a taken one a mail to its owner instead. The reply is the same."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        if await uow.replay():
            return uow.reply
        await uow.acting()  # an unknown or deactivated acting user is refused before any work
        _registration_open(deps)
        # Both branches hash the password, so the answer's timing does not tell a new address
        # from a taken one either.
        password_hash = await asyncio.to_thread(deps.hasher.hash, command.password)
        await uow.begin()
        _registration_open(deps)
        if await uow.users.username_taken(command.username):
            raise DomainError(ErrorCode.USERNAME_TAKEN, "That username is already taken")  # usernames are public
        holder = await uow.users.holder_of(command.email)  # deleted ones too
        if holder is None:
            await _open_account(deps, uow, command, password_hash=password_hash)
        else:
            await _tell_the_holder(deps, uow, holder)
        await uow.commit(ACCEPTED)
    if not uow.reply["ok"] and uow.reply["error"]["code"] == ErrorCode.EMAIL_TAKEN:
        # Registrations racing for one new address: the losers met the winner's row at insert.
        # They answer as for a taken address, so a race tells no more than a lookup would.
        return Reply.success(ACCEPTED).to_json_dict()
    return uow.reply


async def _open_account(deps: WorkerDeps, uow: UnitOfWork, command: Register, *, password_hash: str) -> None:
    user_id = uuid.uuid4()
    uow.principal = Principal(kind="user", id=str(user_id), role=Role.USER)  # audit: the newcomer
    user = await add_user(
        uow,
        CreateUser(**command.model_dump(), role=Role.USER),
        password_hash=password_hash,
        action="user.register",
        user_id=user_id,
    )
    await mail_token(
        deps, uow, user_id=user_id, email=user["email"], username=user["username"], purpose=TokenPurpose.VERIFY_EMAIL
    )


async def _tell_the_holder(deps: WorkerDeps, uow: UnitOfWork, holder: User) -> None:
    """The address has an account: nothing changes, and its owner, not the registrant, hears of
    it (at most once a minute). A deactivated or deleted account's address is sent nothing."""
    holder_id = str(holder.id)
    told_lately = await uow.audit.recorded_since(
        entity_id=holder_id, action=REGISTERED_TAKEN, since=uow.now - RESET_MAIL_INTERVAL
    )
    if holder.is_active and holder.deleted_at is None and not told_lately:
        await deps.mail.queue(uow, template="account_exists", to=holder.email, values={"username": holder.username})
    uow.record(action=REGISTERED_TAKEN, entity_id=holder_id, old=None, new={"user_id": holder_id})


async def request_email_verification(
    deps: WorkerDeps, envelope: CommandEnvelope[RequestEmailVerification]
) -> dict[str, Any]:
    """Mail a new verification link to the user's current email (self, admin or service);
    earlier links stop working. Nothing is sent when the email is verified already."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        rbac.authorize_replace(uow.principal, command.user_id)  # who may change the email may have it checked
        user = await lock_user(uow, command.user_id)
        if not user.email_verified:
            await mail_token(
                deps, uow, user_id=user.id, email=user.email, username=user.username, purpose=TokenPurpose.VERIFY_EMAIL
            )
        await uow.commit(None)
    return uow.reply


async def verify_email(deps: WorkerDeps, envelope: CommandEnvelope[VerifyEmail]) -> dict[str, Any]:
    """Spend an email-verification token: the user's email_verified becomes true (edge only)."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        token = await spend_token(uow, command.token, purpose=TokenPurpose.VERIFY_EMAIL)
        user = await uow.users.lock(user_id=token.user_id)
        if user is None or user.email != token.email:  # the address changed since: this link is stale
            raise token_refused()
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the owner
        if not user.email_verified:
            old = view_of(user)
            user.email_verified = True
            uow.users.save(user, ["email_verified"])
            new = view_of(user)
            uow.record(
                action="user.verify_email",
                entity_id=new["id"],
                old={"email_verified": False},
                new={"email": user.email, "email_verified": True},
                event="user.updated",
                event_data=new,
            )
            uow.cache.changed_user(old=old, new=new)
        await uow.commit(None)
    return uow.reply


async def request_password_reset(deps: WorkerDeps, envelope: CommandEnvelope[RequestPasswordReset]) -> dict[str, Any]:
    """Mail a password-reset link if this address belongs to an active user (at most one a
    minute per account). The reply is the same whether or not it does."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        user = await uow.users.lock(email=command.email, active=True)
        # No user, or one mailed within the minute: the same answer, nothing sent.
        if user is not None and not await recently_mailed(
            uow, user_id=user.id, purpose=TokenPurpose.RESET_PASSWORD, within=RESET_MAIL_INTERVAL
        ):
            await mail_token(
                deps,
                uow,
                user_id=user.id,
                email=user.email,
                username=user.username,
                purpose=TokenPurpose.RESET_PASSWORD,
            )
        await uow.commit(None)
    return uow.reply


async def reset_password(deps: WorkerDeps, envelope: CommandEnvelope[ResetPassword]) -> dict[str, Any]:
    """Spend a password-reset token for a new password; every session of the user is revoked
    (edge only). The reply names the user, so the edge can lift its login back-off."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        if await uow.replay():
            return uow.reply
        await uow.acting()  # an unknown or deactivated acting user is refused before any work
        # No bcrypt is spent on a token that is unknown, used or expired.
        await live_token(uow, command.token, purpose=TokenPurpose.RESET_PASSWORD)
        password_hash = await asyncio.to_thread(deps.hasher.hash, command.new_password)
        await uow.begin()
        token = await spend_token(uow, command.token, purpose=TokenPurpose.RESET_PASSWORD)
        user = await uow.users.lock(user_id=token.user_id, active=True)
        if user is None or user.email != token.email:  # deactivated, deleted, or the address changed
            raise token_refused()
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: the owner
        old = view_of(user)
        # The mail reached its address: whoever opened the link owns it, so the address is verified.
        squatted = not user.email_ever_verified
        user.password_hash, user.email_verified = password_hash, True
        uow.users.save(user, ["password_hash", "email_verified"])
        if squatted and user.mfa_enabled:
            # Whoever registered the address first and enrolled a factor does not keep the account.
            await set_mfa_enabled(uow, user, enabled=False, action="user.mfa_disable_on_reset")
            await mail_security_notice(deps, uow, user, template=MFA_REMOVED)
        if squatted and (removed := await uow.passkeys.delete_of_user(user.id)):
            # Nor the passkeys it added: each would sign in without the new password.
            uow.record(
                action="user.passkeys_remove_on_reset", entity_id=str(user.id), old={"passkeys": removed}, new=None
            )
        await retire_tokens(uow, user_id=user.id)
        await revoke_sessions(uow, user_id=user.id, reason=EndReason.PASSWORD_CHANGE)
        await mail_security_notice(deps, uow, user, template=PASSWORD_CHANGED)
        new = view_of(user)
        verified_now = not old["email_verified"]
        uow.record(
            action="user.reset_password",
            entity_id=new["id"],
            old={"email_verified": False} if verified_now else None,
            new={"email_verified": True} if verified_now else None,
            event="user.updated",
            event_data=new,
        )
        uow.cache.changed_user(old=old, new=new)
        await uow.commit({"user": new})
    return uow.reply


HANDLERS: Handlers = {
    Register: register,
    RequestEmailVerification: request_email_verification,
    VerifyEmail: verify_email,
    RequestPasswordReset: request_password_reset,
    ResetPassword: reset_password,
}
