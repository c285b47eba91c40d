"""Users in the database: finding them by name, their public view, and adding or changing
one with its audit row, event and cache update. The handlers of every command that touches
a user share these (workers/handlers/)."""

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.functions import Lower
from tortoise.queryset import QuerySet

from usersvc.domain import rbac
from usersvc.domain.commands import CreateUser
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Role
from usersvc.domain.replies import UserView
from usersvc.workers.execution import TAKEN, UnitOfWork, taken_code
from usersvc.workers.models import User


def users_named(username: str) -> QuerySet[User]:
    """Usernames are unique case-insensitively (the users_username_lower index)."""
    return User.annotate(username_lower=Lower("username")).filter(username_lower=username.lower())


def view_of(user: User | dict) -> dict:
    return UserView.model_validate(user).model_dump(mode="json")


async def ensure_unique(
    unit: UnitOfWork, *, username: str | None, email: str | None, exclude_id: uuid.UUID | None = None
) -> None:
    """Soft-deleted users keep their email and username reserved, so no deleted_at filter."""
    for field, value, code in (
        ("email", email, ErrorCode.EMAIL_TAKEN),
        ("username", username, ErrorCode.USERNAME_TAKEN),
    ):
        if value is None:
            continue
        query = User.filter(email=value) if field == "email" else users_named(value)
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        if await query.using_db(unit.connection).exists():
            raise DomainError(code, f"That {field} is already taken")


async def insert_row(user: User, unit: UnitOfWork) -> None:
    try:
        await user.save(using_db=unit.connection, force_create=True)
    except IntegrityError as error:  # a concurrent twin won the race past _ensure_unique
        raise DomainError(taken_code(error), TAKEN) from None


async def record_user_change(
    unit: UnitOfWork,
    *,
    action: str,
    old: dict | None,
    user: User,
    event: str = "user.updated",
    audit_old: bool = True,
) -> dict:
    """Audit row, event and cache update of a user write (old None: created). `audit_old`
    False leaves the old values out of the audit row (a password change has none to show);
    the cache still sees a change, not a new user."""
    new = view_of(user)
    await unit.record(action=action, entity_id=new["id"], old=old if audit_old else None, new=new, event=event)
    unit.cache.changed_user(old=old, new=new)
    return new


async def insert_user(unit: UnitOfWork, command: CreateUser) -> dict:
    """The work of user.create, also run by `create-admin` and the bootstrap admin."""
    rbac.require_role(unit.principal, Role.ADMIN)
    return await add_user(unit, command, action="user.create")


async def add_user(unit: UnitOfWork, command: CreateUser, *, action: str, user_id: uuid.UUID | None = None) -> dict:
    """Insert after the uniqueness checks, with its audit row and user.created event (the
    caller has authorized it; auth.register too)."""
    await ensure_unique(unit, username=command.username, email=command.email)
    user = User(id=user_id or uuid.uuid4(), password_hash=unit.prepared, **command.model_dump(exclude={"password"}))
    await insert_row(user, unit)
    return await record_user_change(unit, action=action, old=None, user=user, event="user.created")
