"""user.import: users brought from another system, with the hashes of their passwords."""

import uuid
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.functions import Lower

from usersvc.domain import rbac
from usersvc.domain.commands import ImportUsers
from usersvc.domain.errors import DomainError
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, UnitOfWork, execute_write, taken_code
from usersvc.workers.models import User
from usersvc.workers.repositories.users import view_of
from usersvc.workers.routing import Handlers

EMAIL_EXISTS = "a user with this email exists"
USERNAME_TAKEN = "the username is taken (usernames are unique case-insensitively)"


async def import_users(unit: UnitOfWork, command: ImportUsers) -> dict:
    """The work of user.import, also run in batches by `usersvc import`.

    Idempotent by email: a user whose email exists (soft-deleted ones included: their email
    stays reserved) is skipped, never overwritten. Each created user gets an audit row and a
    user.created event, neither with the hash.
    """
    rbac.require_service(unit.principal)
    emails = {entry.email for entry in command.users}
    usernames = {entry.username.lower() for entry in command.users}
    # values_list(flat=True) gives the column's values; Tortoise types it as rows (tuples).
    taken_emails = set(
        cast(list[str], await User.filter(email__in=emails).using_db(unit.connection).values_list("email", flat=True))
    )
    taken_usernames = set(
        cast(
            list[str],
            await User.annotate(username_lower=Lower("username"))
            .filter(username_lower__in=usernames)
            .using_db(unit.connection)
            .values_list("username_lower", flat=True),
        )
    )
    results = []
    for index, entry in enumerate(command.users):
        outcome = {"index": index, "email": entry.email}
        if entry.email in taken_emails:
            results.append({**outcome, "status": "skipped", "reason": EMAIL_EXISTS})
            continue
        if entry.username.lower() in taken_usernames:
            results.append({**outcome, "status": "rejected", "reason": USERNAME_TAKEN})
            continue
        user = User(id=uuid.uuid4(), **entry.model_dump())
        try:
            await user.save(using_db=unit.connection, force_create=True)
        except IntegrityError as error:  # created concurrently, after the checks above
            raise DomainError(
                taken_code(error),
                "A user of this batch was created meanwhile; send the batch again "
                "(users that exist by then are skipped)",
            ) from None
        taken_emails.add(entry.email)
        taken_usernames.add(entry.username.lower())
        view = view_of(user)
        await unit.record(action="user.import", entity_id=view["id"], old=None, new=view, event="user.created")
        unit.cache.changed_user(old=None, new=view)
        results.append({**outcome, "status": "created", "id": view["id"]})
    counts = {
        status: sum(result["status"] == status for result in results) for status in ("created", "skipped", "rejected")
    }
    return {**counts, "results": results}


async def import_users_command(deps: WorkerDeps, envelope: CommandEnvelope[ImportUsers]) -> dict:
    """Create up to 1000 users with their existing password hashes (calling services only).
    The reply counts created / skipped / rejected and has one result per entry, by index."""
    return await execute_write(deps, envelope, work=import_users)


HANDLERS: Handlers = {ImportUsers: import_users_command}
