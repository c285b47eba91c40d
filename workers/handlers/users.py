"""user.* commands."""

import asyncio

from usersvc.cache_keys import page_dependencies
from usersvc.domain import rbac
from usersvc.domain.commands import (
    ChangePassword,
    CreateUser,
    DeleteUser,
    GetUser,
    ListUsers,
    ReplaceUser,
    UpdateUser,
)
from usersvc.domain.errors import DomainError, ErrorCode, validation_error
from usersvc.domain.rbac import Role
from usersvc.domain.replies import etag_of
from usersvc.domain.session_commands import EndReason
from usersvc.workers.account_tokens import retire_tokens
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.email_change import mail_email_change, reauthenticate, require_reauthentication
from usersvc.workers.models import User
from usersvc.workers.repositories.sessions import revoke_sessions, sessions_follow_role
from usersvc.workers.repositories.users import (
    ensure_unique,
    insert_user,
    record_user_change,
    user_not_found,
    view_of,
)
from usersvc.workers.routing import Handlers
from usersvc.workers.security_mails import PASSWORD_CHANGED, mail_security_notice
from usersvc.workers.unit_of_work import CommandEnvelope


def _check_if_match(user: User, if_match: str | None) -> None:
    if if_match is not None and if_match != "*" and if_match != etag_of(view_of(user)):
        raise DomainError(ErrorCode.PRECONDITION_FAILED, "The user changed since you read it (ETag mismatch)")


def _unverify_new_email(user: User, *, old_email: str, fields: list[str]) -> bool:
    """A changed email is unverified until the new address answers its verification mail."""
    if user.email == old_email:
        return False
    user.email_verified = False
    fields.append("email_verified")
    return True


# --- writes -----------------------------------------------------------------------------


async def create_user(deps: WorkerDeps, envelope: CommandEnvelope[CreateUser]) -> dict:
    """Create a user (admin or service)."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        if await uow.replay():  # a redelivery spends no bcrypt
            return uow.reply
        rbac.require_role(await uow.acting(), Role.ADMIN)  # before spending a bcrypt on it
        password_hash = await asyncio.to_thread(deps.hasher.hash, command.password)
        await uow.begin()
        await uow.commit(await insert_user(uow, command, password_hash=password_hash))
    return uow.reply


async def replace_user(deps: WorkerDeps, envelope: CommandEnvelope[ReplaceUser]) -> dict:
    """Replace a user's profile fields (admin or self; self with current_password to change the email)."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        if await uow.replay():
            return uow.reply
        principal = await uow.acting()
        rbac.authorize_replace(principal, command.user_id)  # before any password is looked at
        checked_hash = await reauthenticate(deps, uow, command, principal)
        await uow.begin(locking=command.user_id)
        rbac.authorize_replace(uow.principal, command.user_id)
        user = uow.target(command.user_id)
        require_reauthentication(uow, user, new_email=command.email, checked_hash=checked_hash)
        _check_if_match(user, command.if_match)
        old = view_of(user)
        fields = command.model_dump(include={"username", "email", "first_name", "last_name", "phone"})
        await ensure_unique(uow, username=fields["username"], email=fields["email"], exclude_id=user.id)
        user.update_from_dict(fields)
        saved = list(fields)
        email_changed = _unverify_new_email(user, old_email=old["email"], fields=saved)
        uow.users.save(user, saved)
        new = record_user_change(uow, action="user.replace", old=old, user=user)
        if email_changed:
            await mail_email_change(deps, uow, user, old_email=old["email"])
        await uow.commit(new)
    return uow.reply


async def update_user(deps: WorkerDeps, envelope: CommandEnvelope[UpdateUser]) -> dict:
    """Change some fields of a user (role: admin only; is_active: admin or moderator; a
    moderator only first_name, last_name, phone and is_active of plain users; self with
    current_password to change the email)."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        checked_hash = None
        # Only a new email may need the password checked: other PATCHes skip these round trips.
        if command.email is not None:
            if await uow.replay():
                return uow.reply
            principal = await uow.acting()
            # What the fields decide, before any password is looked at; the target's role is
            # checked in the transaction.
            rbac.authorize_update_fields(principal, target_id=command.user_id, fields=set(command.changes()))
            checked_hash = await reauthenticate(deps, uow, command, principal)
        await uow.begin(locking=command.user_id)
        rbac.authorize_update_of_anyone(uow.principal, command.user_id)
        user = uow.target(command.user_id)
        changes = command.changes()
        rbac.authorize_update(uow.principal, target_id=user.id, target_role=Role(user.role), fields=set(changes))
        require_reauthentication(uow, user, new_email=command.email, checked_hash=checked_hash)
        _check_if_match(user, command.if_match)
        old = view_of(user)
        changes = {name: value for name, value in changes.items() if old[name] != value}
        if not changes:
            await uow.commit(old)
            return uow.reply
        await ensure_unique(uow, username=changes.get("username"), email=changes.get("email"), exclude_id=user.id)
        user.update_from_dict(changes)
        saved = list(changes)
        email_changed = _unverify_new_email(user, old_email=old["email"], fields=saved)
        uow.users.save(user, saved)
        if changes.get("is_active") is False:
            await revoke_sessions(uow, user_id=user.id, reason=EndReason.DEACTIVATED)
        elif "role" in changes:
            await sessions_follow_role(uow, user_id=user.id, role=user.role)
        new = record_user_change(uow, action="user.update", old=old, user=user)
        if email_changed:
            await mail_email_change(deps, uow, user, old_email=old["email"])
        await uow.commit(new)
    return uow.reply


async def delete_user(deps: WorkerDeps, envelope: CommandEnvelope[DeleteUser]) -> dict:
    """Soft-delete a user (admin): 404 everywhere after, email/username stay reserved."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin(locking=command.user_id)
        rbac.authorize_delete(uow.principal, command.user_id)
        user = uow.target(command.user_id)
        _check_if_match(user, command.if_match)
        old = view_of(user)
        user.deleted_at = uow.now
        uow.users.save(user, ["deleted_at"])
        await revoke_sessions(uow, user_id=user.id, reason=EndReason.DEACTIVATED)
        uow.record(
            action="user.delete",
            entity_id=old["id"],
            old=old,
            new=None,
            event="user.deleted",
            event_data={**view_of(user), "deleted": True},
        )
        uow.cache.deleted_users.append(old["id"])
        await uow.commit(None)
    return uow.reply


async def change_password(deps: WorkerDeps, envelope: CommandEnvelope[ChangePassword]) -> dict:
    """Set a new password (self with current_password, or admin); other sessions are revoked."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        if await uow.replay():
            return uow.reply
        # Authorization first: a stranger learns nothing about the current password.
        principal = await uow.acting()
        rbac.authorize_password_change(principal, command.user_id)
        rbac.require_current_password(
            principal, command.user_id, has_current_password=command.current_password is not None
        )
        if command.current_password is not None:
            current = await uow.users.find(command.user_id)
            checked = current.password_hash if current else None
            ok = await asyncio.to_thread(deps.hasher.verify, command.current_password, checked)
            if current is not None and not ok:
                raise validation_error("current_password", "is incorrect")
        password_hash = await asyncio.to_thread(deps.hasher.hash, command.new_password)
        await uow.begin(locking=command.user_id)
        rbac.authorize_password_change(uow.principal, command.user_id)  # again: the role may have changed
        user = uow.target(command.user_id)
        old = view_of(user)
        user.password_hash = password_hash
        uow.users.save(user, ["password_hash"])
        await retire_tokens(uow, user_id=user.id)
        await revoke_sessions(uow, user_id=user.id, reason=EndReason.PASSWORD_CHANGE, keep=command.keep_session_id)
        record_user_change(uow, action="user.change_password", old=old, user=user, audit_old=False)
        await mail_security_notice(deps, uow, user, template=PASSWORD_CHANGED)
        await uow.commit(None)
    return uow.reply


# --- queries ----------------------------------------------------------------------------


async def get_user(deps: WorkerDeps, envelope: CommandEnvelope[GetUser]) -> dict:
    """One live user (admin, moderator, or the user itself)."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.authorize_read(await uow.acting(), command.user_id)
        user = await uow.users.find(command.user_id)
        if user is None:
            raise user_not_found(command.user_id)
        view = view_of(user)
        await deps.cache.fill_user(view)
        await uow.commit(view)
    return uow.reply


async def list_users(deps: WorkerDeps, envelope: CommandEnvelope[ListUsers]) -> dict:
    """A page of live users (admin, moderator), filtered, searched and sorted."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.require_role(await uow.acting(), *rbac.STAFF)
        query = command.model_dump(mode="json")
        # Before the query: a page filled from it is keyed by counters it does not postdate.
        generations = await deps.cache.list_generations(page_dependencies(query))
        page = await uow.users.page(command)
        await deps.cache.fill_page(generations=generations, query=query, page=page)
        await uow.commit(page)
    return uow.reply


HANDLERS: Handlers = {
    CreateUser: create_user,
    GetUser: get_user,
    ListUsers: list_users,
    ReplaceUser: replace_user,
    UpdateUser: update_user,
    DeleteUser: delete_user,
    ChangePassword: change_password,
}
