"""system.ping: the readiness probe the edge sends (GET /ready)."""

import os
import socket

from usersvc.domain.commands import Ping
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.replies import Reply
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


async def ping(deps: WorkerDeps, envelope: CommandEnvelope[Ping]) -> dict:
    """Readiness: a worker answers once all of its subscribers listen. The ping queue may be
    among the first FastStream starts, and a command whose queue is not yet bound would be
    refused as unroutable. The worker answers; whether its database does is a field the edge
    reports."""
    if not deps.started.is_set():
        return Reply.failure(DomainError(ErrorCode.SERVICE_UNAVAILABLE, "This worker is still starting")).to_json_dict()
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()  # an unknown or deactivated acting user is refused before any work
        database = "ok" if await uow.database_answers() else "unavailable"
        await uow.commit({"worker": f"{socket.gethostname()}:{os.getpid()}", "database": database})
    return uow.reply


HANDLERS: Handlers = {Ping: ping}
