"""signing_keys.get: the public key set, as the edge asks for it (usersvc/published_keys.py)."""

from datetime import UTC, datetime

from usersvc.domain.commands import GetSigningKeys
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.routing import Handlers
from usersvc.workers.signing_keys import key_set_document
from usersvc.workers.unit_of_work import CommandEnvelope


async def get_signing_keys(deps: WorkerDeps, envelope: CommandEnvelope[GetSigningKeys]) -> dict:
    """Public keys only, so any caller the bus lets speak may ask."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()  # an unknown or deactivated acting user is refused before any work
        keys = await uow.signing_keys.all()
        await uow.commit(key_set_document(keys, now=datetime.now(UTC)).as_json())
    return uow.reply


HANDLERS: Handlers = {GetSigningKeys: get_signing_keys}
