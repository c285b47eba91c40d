"""Locking a live user's row for the rest of a write's transaction: where every user write
starts, so it is written once; and the acting user's role, read with that lock where a
command's target is known before it runs (workers/execution.py).

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


# The acting user's current role; nothing when they are unknown, deleted or deactivated.
ACTOR_ROLE = 'SELECT "role" FROM "users" WHERE "id" = $1 AND "deleted_at" IS NULL AND "is_active"'
# That, and the lock of a live user by id, in one round trip: always one row, whose user
# columns are all NULL when there is no such user.
# Constants only (values are bind parameters).
LOCK_WITH_ACTOR_ROLE = (
    f'SELECT ({ACTOR_ROLE}) AS "actor_role", "target".* FROM (SELECT 1) AS "one" '  # noqa: S608
    'LEFT JOIN LATERAL (SELECT * FROM "users" WHERE "id" = $2 AND "deleted_at" IS NULL FOR UPDATE) AS "target" ON TRUE'
)


async def lock_live_user_and_actor_role(
    connection: BaseDBAsyncClient, *, user_id: uuid.UUID, actor_id: uuid.UUID | None
) -> tuple[User | None, str | None]:
    """lock_live_user by id, and the role of `actor_id` (None: not read), in one statement."""
    (row,) = await connection.execute_query_dict(LOCK_WITH_ACTOR_ROLE, [actor_id, user_id])
    actor_role = row.pop("actor_role")
    return (User._init_from_db(**row) if row["id"] is not None else None), actor_role


def user_not_found(user_id: object) -> DomainError:
    return DomainError(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found")


async def lock_user(connection: BaseDBAsyncClient, user_id: uuid.UUID, *, active: bool = False) -> User:
    """lock_live_user by id, where its absence is the caller's USER_NOT_FOUND."""
    user = await lock_live_user(connection, user_id=user_id, active=active)
    if user is None:
        raise user_not_found(user_id)
    return user
