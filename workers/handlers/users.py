"""user.* commands."""

import asyncio
import uuid
from functools import partial

from tortoise import connections

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
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import UserView, etag_of, page_of
from usersvc.domain.session_commands import EndReason
from usersvc.workers.account_tokens import retire_tokens
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.email_change import mail_email_change, reauthenticate, require_reauthentication
from usersvc.workers.execution import (
    CommandEnvelope,
    UnitOfWork,
    execute_query,
    execute_write,
)
from usersvc.workers.models import User
from usersvc.workers.repositories.sessions import revoke_sessions, sessions_follow_role
from usersvc.workers.repositories.users import ensure_unique, insert_user, record_user_change, view_of
from usersvc.workers.routing import Handlers
from usersvc.workers.security_mails import PASSWORD_CHANGED, mail_security_notice
from usersvc.workers.user_lock import user_not_found

SEARCH_TEXT = """(lower("username") || ' ' || "email" || ' ' || lower("first_name") || ' ' || lower("last_name"))"""
USER_COLUMNS = ", ".join(f'"{name}"' for name in UserView.model_fields)


def _check_if_match(user: User, if_match: str | None) -> None:
    if if_match is not None and if_match != "*" and if_match != etag_of(view_of(user)):
        raise DomainError(ErrorCode.PRECONDITION_FAILED, "The user changed since you read it (ETag mismatch)")


# --- writes -----------------------------------------------------------------------------


def _named_user(command: ReplaceUser | UpdateUser | DeleteUser | ChangePassword) -> uuid.UUID:
    """The user these commands change: execute_write locks it with the actor's role."""
    return command.user_id


async def _hash_password(deps: WorkerDeps, password: str) -> str:
    return await asyncio.to_thread(deps.hasher.hash, password)


async def _authorize_then_hash(deps: WorkerDeps, command: CreateUser, principal: Principal) -> str:
    rbac.require_role(principal, Role.ADMIN)  # before spending a bcrypt on it
    return await _hash_password(deps, command.password)


def _unverify_new_email(user: User, *, old_email: str, fields: list[str]) -> bool:
    """A changed email is unverified until the new address answers its verification mail."""
    if user.email == old_email:
        return False
    user.email_verified = False
    fields.append("email_verified")
    return True


async def create_user(deps: WorkerDeps, envelope: CommandEnvelope[CreateUser]) -> dict:
    """Create a user (admin or service)."""
    return await execute_write(deps, envelope, work=insert_user, prepare=partial(_authorize_then_hash, deps))


async def _replace(deps: WorkerDeps, unit: UnitOfWork, command: ReplaceUser) -> dict:
    rbac.authorize_replace(unit.principal, command.user_id)
    user = unit.target(command.user_id)
    require_reauthentication(unit, user, new_email=command.email)
    _check_if_match(user, command.if_match)
    old = view_of(user)
    fields = command.model_dump(include={"username", "email", "first_name", "last_name", "phone"})
    await ensure_unique(unit, username=fields["username"], email=fields["email"], exclude_id=user.id)
    user.update_from_dict(fields)
    saved = list(fields)
    email_changed = _unverify_new_email(user, old_email=old["email"], fields=saved)
    await unit.save(user, saved)
    new = await record_user_change(unit, action="user.replace", old=old, user=user)
    if email_changed:
        await mail_email_change(deps, unit, user, old_email=old["email"])
    return new


async def _authorize_replace_then_reauthenticate(
    deps: WorkerDeps, command: ReplaceUser, principal: Principal
) -> str | None:
    rbac.authorize_replace(principal, command.user_id)  # before any password is looked at
    return await reauthenticate(deps, command, principal)


async def replace_user(deps: WorkerDeps, envelope: CommandEnvelope[ReplaceUser]) -> dict:
    """Replace a user's profile fields (admin or self; self with current_password to change the email)."""
    return await execute_write(
        deps,
        envelope,
        work=partial(_replace, deps),
        prepare=partial(_authorize_replace_then_reauthenticate, deps),
        locks_user=_named_user,
    )


async def _update(deps: WorkerDeps, unit: UnitOfWork, command: UpdateUser) -> dict:
    rbac.authorize_update_of_anyone(unit.principal, command.user_id)
    user = unit.target(command.user_id)
    changes = command.changes()
    rbac.authorize_update(unit.principal, target_id=user.id, target_role=Role(user.role), fields=set(changes))
    require_reauthentication(unit, user, new_email=command.email)
    _check_if_match(user, command.if_match)
    old = view_of(user)
    changes = {name: value for name, value in changes.items() if old[name] != value}
    if not changes:
        return old
    await ensure_unique(unit, username=changes.get("username"), email=changes.get("email"), exclude_id=user.id)
    user.update_from_dict(changes)
    saved = list(changes)
    email_changed = _unverify_new_email(user, old_email=old["email"], fields=saved)
    await unit.save(user, saved)
    if changes.get("is_active") is False:
        await revoke_sessions(unit, user_id=user.id, reason=EndReason.DEACTIVATED)
    elif "role" in changes:
        await sessions_follow_role(unit, user_id=user.id, role=user.role, settings=deps.settings)
    new = await record_user_change(unit, action="user.update", old=old, user=user)
    if email_changed:
        await mail_email_change(deps, unit, user, old_email=old["email"])
    return new


async def _authorize_update_then_reauthenticate(
    deps: WorkerDeps, command: UpdateUser, principal: Principal
) -> str | None:
    # What the fields decide, before any password is looked at; the target's role is checked
    # in the transaction.
    rbac.authorize_update_fields(principal, target_id=command.user_id, fields=set(command.changes()))
    return await reauthenticate(deps, command, principal)


async def update_user(deps: WorkerDeps, envelope: CommandEnvelope[UpdateUser]) -> dict:
    """Change some fields of a user (role: admin only; is_active: admin or moderator; a
    moderator only first_name, last_name, phone and is_active of plain users; self with
    current_password to change the email)."""
    # Only a new email may need the password checked: other PATCHes skip the prepare step's
    # round trips.
    asks_email = envelope.data.email is not None
    return await execute_write(
        deps,
        envelope,
        work=partial(_update, deps),
        prepare=partial(_authorize_update_then_reauthenticate, deps) if asks_email else None,
        locks_user=_named_user,
    )


async def _delete(unit: UnitOfWork, command: DeleteUser) -> None:
    rbac.authorize_delete(unit.principal, command.user_id)
    user = unit.target(command.user_id)
    _check_if_match(user, command.if_match)
    old = view_of(user)
    user.deleted_at = unit.now
    await unit.save(user, ["deleted_at"])
    await revoke_sessions(unit, user_id=user.id, reason=EndReason.DEACTIVATED)
    await unit.record(
        action="user.delete",
        entity_id=old["id"],
        old=old,
        new=None,
        event="user.deleted",
        event_data={**view_of(user), "deleted": True},
    )
    unit.cache.deleted_users.append(old["id"])
    return None


async def delete_user(deps: WorkerDeps, envelope: CommandEnvelope[DeleteUser]) -> dict:
    """Soft-delete a user (admin): 404 everywhere after, email/username stay reserved."""
    return await execute_write(deps, envelope, work=_delete, locks_user=_named_user)


async def _authorize_verify_then_hash(deps: WorkerDeps, command: ChangePassword, principal: Principal) -> str:
    # Authorization first: a stranger learns nothing about the current password.
    rbac.authorize_password_change(principal, command.user_id)
    rbac.require_current_password(principal, command.user_id, has_current_password=command.current_password is not None)
    if command.current_password is not None:
        user = await User.filter(id=command.user_id, deleted_at=None).first()
        ok = await asyncio.to_thread(deps.hasher.verify, command.current_password, user.password_hash if user else None)
        if user is not None and not ok:
            raise validation_error("current_password", "is incorrect")
    return await _hash_password(deps, command.new_password)


async def _change_password(deps: WorkerDeps, unit: UnitOfWork, command: ChangePassword) -> None:
    rbac.authorize_password_change(unit.principal, command.user_id)  # again: the role may have changed
    user = unit.target(command.user_id)
    old = view_of(user)
    user.password_hash = unit.prepared
    await unit.save(user, ["password_hash"])
    await retire_tokens(unit, user_id=user.id)
    await revoke_sessions(unit, user_id=user.id, reason=EndReason.PASSWORD_CHANGE, keep=command.keep_session_id)
    await record_user_change(unit, action="user.change_password", old=old, user=user, audit_old=False)
    await mail_security_notice(deps, unit, user, template=PASSWORD_CHANGED)
    return None


async def change_password(deps: WorkerDeps, envelope: CommandEnvelope[ChangePassword]) -> dict:
    """Set a new password (self with current_password, or admin); other sessions are revoked."""
    return await execute_write(
        deps,
        envelope,
        work=partial(_change_password, deps),
        prepare=partial(_authorize_verify_then_hash, deps),
        locks_user=_named_user,
    )


# --- queries ----------------------------------------------------------------------------


async def get_user(deps: WorkerDeps, envelope: CommandEnvelope[GetUser]) -> dict:
    """One live user (admin, moderator, or the user itself)."""

    async def work(principal: Principal, command: GetUser) -> dict:
        rbac.authorize_read(principal, command.user_id)
        user = await User.filter(id=command.user_id, deleted_at=None).first()
        if user is None:
            raise user_not_found(command.user_id)
        view = view_of(user)
        await deps.cache.fill_user(view)
        return view

    return await execute_query(envelope, work)


async def _list_page(command: ListUsers) -> dict:
    conditions: list[str] = ['"deleted_at" IS NULL']
    values: list[object] = []
    if command.role is not None:
        values.append(command.role.value)
        conditions.append(f'"role" = ${len(values)}')
    if command.is_active is not None:
        values.append(command.is_active)
        conditions.append(f'"is_active" = ${len(values)}')
    if command.search:
        escaped = command.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        values.append(f"%{escaped}%")
        conditions.append(f"{SEARCH_TEXT} LIKE ${len(values)}")
    where = " AND ".join(conditions)
    # The sort field is whitelisted by ListUsers; id breaks ties so pages never overlap.
    column, direction = command.sort.removeprefix("-"), "DESC" if command.sort.startswith("-") else "ASC"
    connection = connections.get("default")
    # Only whitelisted names are formatted in; every value is a bind parameter.
    count_sql = f'SELECT count(*) AS n FROM "users" WHERE {where}'  # noqa: S608
    count_rows = await connection.execute_query_dict(count_sql, values)
    total = count_rows[0]["n"]
    offset = (command.page - 1) * command.page_size
    rows = await connection.execute_query_dict(
        f'SELECT {USER_COLUMNS} FROM "users" WHERE {where} '  # noqa: S608
        f'ORDER BY "{column}" {direction}, "id" {direction} '
        f"LIMIT {command.page_size} OFFSET {offset}",
        values,
    )
    return page_of([view_of(row) for row in rows], page=command.page, page_size=command.page_size, total_items=total)


async def list_users(deps: WorkerDeps, envelope: CommandEnvelope[ListUsers]) -> dict:
    """A page of live users (admin, moderator), filtered, searched and sorted."""

    async def work(principal: Principal, command: ListUsers) -> dict:
        rbac.require_role(principal, *rbac.STAFF)
        query = command.model_dump(mode="json")
        # Before the query: a page filled from it is keyed by counters it does not postdate.
        generations = await deps.cache.list_generations(page_dependencies(query))
        page = await _list_page(command)
        await deps.cache.fill_page(generations=generations, query=query, page=page)
        return page

    return await execute_query(envelope, work)


HANDLERS: Handlers = {
    CreateUser: create_user,
    GetUser: get_user,
    ListUsers: list_users,
    ReplaceUser: replace_user,
    UpdateUser: update_user,
    DeleteUser: delete_user,
    ChangePassword: change_password,
}
