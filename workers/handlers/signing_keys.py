"""signing_keys.get: the public key set, as the edge asks for it (usersvc/published_keys.py)."""

from datetime import UTC, datetime

from usersvc.domain.commands import GetSigningKeys
from usersvc.domain.rbac import Principal
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, execute_query
from usersvc.workers.models import SigningKey
from usersvc.workers.routing import Handlers
from usersvc.workers.signing_keys import key_set_document


async def get_signing_keys(deps: WorkerDeps, envelope: CommandEnvelope[GetSigningKeys]) -> dict:
    """Public keys only, so any caller the bus lets speak may ask."""

    async def work(principal: Principal, command: GetSigningKeys) -> dict:
        return key_set_document(await SigningKey.all(), now=datetime.now(UTC)).as_json()

    return await execute_query(envelope, work)


HANDLERS: Handlers = {GetSigningKeys: get_signing_keys}
