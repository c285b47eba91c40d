"""user.import: users brought from another system, with the hashes of their passwords."""

from usersvc.domain.commands import ImportUsers
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.repositories.users import import_users
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


async def import_users_command(deps: WorkerDeps, envelope: CommandEnvelope[ImportUsers]) -> dict:
    """Create up to 1000 users with their existing password hashes (calling services only).
    The reply counts created / skipped / rejected and has one result per entry, by index."""
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        await uow.commit(await import_users(uow, envelope.data))
    return uow.reply


HANDLERS: Handlers = {ImportUsers: import_users_command}
