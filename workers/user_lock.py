"""Locking a live user's row for the rest of a write's transaction: where every user write
starts, so it is written once.

Plain SQL, the row then built as the ORM builds any row it reads: the ORM's query building
for this one lock was about a tenth of a worker's CPU per PATCH (docs/scaling.md).
"""

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.workers.models import User

_LOCK = 'SELECT * FROM "users" WHERE "{column}" = $1 AND "deleted_at" IS NULL{active} FOR UPDATE'
LOCK_BY = {
    (column, active): _LOCK.format(column=column, active=' AND "is_active"' if active else "")
    for column in ("id", "email")
    for active in (False, True)
}


async def lock_live_user(
    connection: BaseDBAsyncClient,
    *,
    user_id: uuid.UUID | None = None,
    email: str | None = None,
    active: bool = False,
) -> User | None:
    """The user with that id (or email) unless soft-deleted (or, with `active`, deactivated);
    None when there is no such user."""
    if (user_id is None) == (email is None):
        raise TypeError("lock_live_user takes a user_id or an email")
    column, value = ("id", user_id) if user_id is not None else ("email", email)
    rows = await connection.execute_query_dict(LOCK_BY[column, active], [value])
    # _init_from_db is how Tortoise turns every row it reads into a model (a saved one).
    return User._init_from_db(**rows[0]) if rows else None


def user_not_found(user_id: object) -> DomainError:
    return DomainError(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found")


async def lock_user(connection: BaseDBAsyncClient, user_id: uuid.UUID, *, active: bool = False) -> User:
    """lock_live_user by id, where its absence is the caller's USER_NOT_FOUND."""
    user = await lock_live_user(connection, user_id=user_id, active=active)
    if user is None:
        raise user_not_found(user_id)
    return user
