"""system.ping: the readiness probe the edge sends (GET /ready)."""

import os
import socket

from tortoise import connections

from usersvc.domain.commands import Ping
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.rbac import Principal
from usersvc.domain.replies import Reply
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, execute_query
from usersvc.workers.routing import Handlers


async def ping(deps: WorkerDeps, envelope: CommandEnvelope[Ping]) -> dict:
    """Readiness: a worker answers once all of its subscribers listen. The ping queue may be
    among the first FastStream starts, and a command whose queue is not yet bound would be
    refused as unroutable."""
    if not deps.started.is_set():
        return Reply.failure(DomainError(ErrorCode.SERVICE_UNAVAILABLE, "This worker is still starting")).to_json_dict()

    async def work(principal: Principal, command: Ping) -> dict:
        """The worker answers; whether its database does is a field the edge reports."""
        try:
            await connections.get("default").execute_query("SELECT 1")
            database = "ok"
        except Exception:
            database = "unavailable"
        return {"worker": f"{socket.gethostname()}:{os.getpid()}", "database": database}

    return await execute_query(envelope, work)


HANDLERS: Handlers = {Ping: ping}
