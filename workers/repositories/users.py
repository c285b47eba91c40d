"""Users in the database, and the steps every command that adds or changes a user shares.

`UsersRepository` is the only code that reads or writes the users table: finding, locking
(plain SQL, the row then built as the ORM builds any row it reads: the ORM's query building
for the lock every write starts with cost a tenth of a worker's CPU per PATCH,
docs/scaling.md), adding, and the list page. Changes of a locked row go through the unit of
work (`save`), in the command's one write statement. The functions below it are the steps
handlers share (uniqueness, the audit row, event and cache update of a change, adding a
user); they speak only to the repositories, so they run on memory in the fast tests too.
"""

import uuid
from typing import TYPE_CHECKING, cast

from tortoise.exceptions import IntegrityError
from tortoise.functions import Lower
from tortoise.queryset import QuerySet

from usersvc.domain import rbac
from usersvc.domain.commands import CreateUser, ImportUsers, ListUsers
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Role
from usersvc.domain.replies import UserView, page_of
from usersvc.workers.models import User
from usersvc.workers.repositories.base import Repository
from usersvc.workers.repositories.records import TAKEN, taken_code

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork

_LOCK = 'SELECT * FROM "users" WHERE "{column}" = $1 AND "deleted_at" IS NULL{active} FOR UPDATE'
LOCK_BY = {
    (column, active): _LOCK.format(column=column, active=' AND "is_active"' if active else "")
    for column in ("id", "email")
    for active in (False, True)
}
# The acting user's current role; nothing when they are unknown, deleted or deactivated.
ACTOR_ROLE = 'SELECT "role" FROM "users" WHERE "id" = $1 AND "deleted_at" IS NULL AND "is_active"'
# That, and the lock of a live user by id, in one round trip: always one row, whose user
# columns are all NULL when there is no such user. Constants only (values are bind parameters).
LOCK_WITH_ACTOR_ROLE = (
    f'SELECT ({ACTOR_ROLE}) AS "actor_role", "target".* FROM (SELECT 1) AS "one" '  # noqa: S608
    'LEFT JOIN LATERAL (SELECT * FROM "users" WHERE "id" = $2 AND "deleted_at" IS NULL FOR UPDATE) AS "target" ON TRUE'
)
SEARCH_TEXT = """(lower("username") || ' ' || "email" || ' ' || lower("first_name") || ' ' || lower("last_name"))"""
USER_COLUMNS = ", ".join(f'"{name}"' for name in UserView.model_fields)


def user_not_found(user_id: object) -> DomainError:
    return DomainError(ErrorCode.USER_NOT_FOUND, f"User {user_id} not found")


def view_of(user: User | dict) -> dict:
    return UserView.model_validate(user).model_dump(mode="json")


def _named(username: str) -> QuerySet[User]:
    """Usernames are unique case-insensitively (the users_username_lower index)."""
    return User.annotate(username_lower=Lower("username")).filter(username_lower=username.lower())


class UsersRepository(Repository):
    # --- reads --------------------------------------------------------------------------------

    async def actor_role(self, actor_id: uuid.UUID) -> str | None:
        rows = await self._db.execute_query_dict(ACTOR_ROLE, [actor_id])
        return rows[0]["role"] if rows else None

    async def find(self, user_id: uuid.UUID, *, active: bool = False) -> User | None:
        """A live user (not soft-deleted; with `active`, not deactivated either)."""
        query = User.filter(id=user_id, deleted_at=None)
        if active:
            query = query.filter(is_active=True)
        return await query.using_db(self._db).first()

    async def get(self, user_id: object) -> User:
        """Any user, deleted ones too, that a foreign key says exists."""
        return await User.filter(id=user_id).using_db(self._db).get()

    async def find_for_login(self, *, email: str | None, username: str | None) -> User | None:
        candidates = User.filter(email=email) if email else _named(username or "")
        return await candidates.filter(deleted_at=None, is_active=True).using_db(self._db).first()

    async def holder_of(self, email: str) -> User | None:
        """Whoever has this address, soft-deleted or deactivated too."""
        return await User.filter(email=email).using_db(self._db).first()

    async def email_taken(self, email: str, *, exclude_id: uuid.UUID | None = None) -> bool:
        """Soft-deleted users keep their email and username reserved: no deleted_at filter."""
        query = User.filter(email=email)
        return await (query.exclude(id=exclude_id) if exclude_id else query).using_db(self._db).exists()

    async def username_taken(self, username: str, *, exclude_id: uuid.UUID | None = None) -> bool:
        query = _named(username)
        return await (query.exclude(id=exclude_id) if exclude_id else query).using_db(self._db).exists()

    async def taken_emails(self, emails: set[str]) -> set[str]:
        # values_list(flat=True) gives the column's values; Tortoise types it as rows (tuples).
        found = await User.filter(email__in=emails).using_db(self._db).values_list("email", flat=True)
        return set(cast(list[str], found))

    async def taken_usernames(self, usernames: set[str]) -> set[str]:
        """Of these lower-cased usernames, the ones taken (lower-cased)."""
        found = (
            await User.annotate(username_lower=Lower("username"))
            .filter(username_lower__in=usernames)
            .using_db(self._db)
            .values_list("username_lower", flat=True)
        )
        return set(cast(list[str], found))

    async def active_admin_exists(self) -> bool:
        return await User.filter(role=Role.ADMIN, is_active=True, deleted_at=None).using_db(self._db).exists()

    async def page(self, command: ListUsers) -> dict:
        """A page of live users, filtered, searched and sorted as ListUsers asks."""
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
        # Only whitelisted names are formatted in; every value is a bind parameter.
        count_sql = f'SELECT count(*) AS n FROM "users" WHERE {where}'  # noqa: S608
        count_rows = await self._db.execute_query_dict(count_sql, values)
        total = count_rows[0]["n"]
        offset = (command.page - 1) * command.page_size
        rows = await self._db.execute_query_dict(
            f'SELECT {USER_COLUMNS} FROM "users" WHERE {where} '  # noqa: S608
            f'ORDER BY "{column}" {direction}, "id" {direction} '
            f"LIMIT {command.page_size} OFFSET {offset}",
            values,
        )
        views = [view_of(row) for row in rows]
        return page_of(views, page=command.page, page_size=command.page_size, total_items=total)

    # --- locks and writes (in the unit's transaction) -----------------------------------------

    async def lock(
        self, *, user_id: uuid.UUID | None = None, email: str | None = None, active: bool = False
    ) -> User | None:
        """The user with that id (or email) unless soft-deleted (or, with `active`,
        deactivated), locked for the rest of the transaction; None when there is none."""
        if (user_id is None) == (email is None):
            raise TypeError("lock takes a user_id or an email")
        column, value = ("id", user_id) if user_id is not None else ("email", email)
        rows = await self._db.execute_query_dict(LOCK_BY[column, active], [value])
        # _init_from_db is how Tortoise turns every row it reads into a model (a saved one).
        return User._init_from_db(**rows[0]) if rows else None

    async def lock_with_actor_role(
        self, user_id: uuid.UUID, actor_id: uuid.UUID | None
    ) -> tuple[User | None, str | None]:
        """lock by id, and the role of `actor_id` (None: not read), in one statement."""
        (row,) = await self._db.execute_query_dict(LOCK_WITH_ACTOR_ROLE, [actor_id, user_id])
        actor_role = row.pop("actor_role")
        return (User._init_from_db(**row) if row["id"] is not None else None), actor_role

    async def add(self, user: User, *, taken: str = TAKEN) -> None:
        """Insert; a unique rule a concurrent twin won past the checks is a DomainError."""
        try:
            await user.save(using_db=self._db, force_create=True)
        except IntegrityError as error:
            raise DomainError(taken_code(error), taken) from None

    def save(self, user: User, fields: list[str], *, touch: bool = True) -> None:
        """The changed fields of a locked user (and updated_at unless not `touch`), in the
        command's one write statement."""
        self.unit.save(user, fields, touch=touch)


# --- steps the handlers share ---------------------------------------------------------------


async def lock_user(unit: "UnitOfWork", user_id: uuid.UUID, *, active: bool = False) -> User:
    """lock by id, where its absence is the caller's USER_NOT_FOUND."""
    user = await unit.users.lock(user_id=user_id, active=active)
    if user is None:
        raise user_not_found(user_id)
    return user


async def ensure_unique(
    unit: "UnitOfWork", *, username: str | None, email: str | None, exclude_id: uuid.UUID | None = None
) -> None:
    if email is not None and await unit.users.email_taken(email, exclude_id=exclude_id):
        raise DomainError(ErrorCode.EMAIL_TAKEN, "That email is already taken")
    if username is not None and await unit.users.username_taken(username, exclude_id=exclude_id):
        raise DomainError(ErrorCode.USERNAME_TAKEN, "That username is already taken")


def record_user_change(
    unit: "UnitOfWork",
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
    unit.record(action=action, entity_id=new["id"], old=old if audit_old else None, new=new, event=event)
    unit.cache.changed_user(old=old, new=new)
    return new


async def insert_user(unit: "UnitOfWork", command: CreateUser, *, password_hash: str) -> dict:
    """The change of user.create, also made by `create-admin` and the bootstrap admin."""
    rbac.require_role(unit.principal, Role.ADMIN)
    return await add_user(unit, command, password_hash=password_hash, action="user.create")


async def add_user(
    unit: "UnitOfWork", command: CreateUser, *, password_hash: str, action: str, user_id: uuid.UUID | None = None
) -> dict:
    """Insert after the uniqueness checks, with its audit row and user.created event (the
    caller has authorized it; auth.register too)."""
    await ensure_unique(unit, username=command.username, email=command.email)
    user = User(id=user_id or uuid.uuid4(), password_hash=password_hash, **command.model_dump(exclude={"password"}))
    await unit.users.add(user)
    return record_user_change(unit, action=action, old=None, user=user, event="user.created")


IMPORT_EMAIL_EXISTS = "a user with this email exists"
IMPORT_USERNAME_TAKEN = "the username is taken (usernames are unique case-insensitively)"
IMPORT_RACED = "A user of this batch was created meanwhile; send the batch again (users that exist by then are skipped)"


async def import_users(unit: "UnitOfWork", command: ImportUsers) -> dict:
    """The change of user.import, also made in batches by `usersvc import`.

    Idempotent by email: a user whose email exists (soft-deleted ones included: their email
    stays reserved) is skipped, never overwritten. Each created user gets an audit row and a
    user.created event, neither with the hash.
    """
    rbac.require_service(unit.principal)
    taken_emails = await unit.users.taken_emails({entry.email for entry in command.users})
    taken_usernames = await unit.users.taken_usernames({entry.username.lower() for entry in command.users})
    results = []
    for index, entry in enumerate(command.users):
        outcome = {"index": index, "email": entry.email}
        if entry.email in taken_emails:
            results.append({**outcome, "status": "skipped", "reason": IMPORT_EMAIL_EXISTS})
            continue
        if entry.username.lower() in taken_usernames:
            results.append({**outcome, "status": "rejected", "reason": IMPORT_USERNAME_TAKEN})
            continue
        user = User(id=uuid.uuid4(), **entry.model_dump())
        await unit.users.add(user, taken=IMPORT_RACED)  # created concurrently, after the checks above
        taken_emails.add(entry.email)
        taken_usernames.add(entry.username.lower())
        view = view_of(user)
        unit.record(action="user.import", entity_id=view["id"], old=None, new=view, event="user.created")
        unit.cache.changed_user(old=None, new=view)
        results.append({**outcome, "status": "created", "id": view["id"]})
    counts = {
        status: sum(result["status"] == status for result in results) for status in ("created", "skipped", "rejected")
    }
    return {**counts, "results": results}
