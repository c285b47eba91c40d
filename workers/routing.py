"""Every command bound to its queue from one table, with the worker's dependencies passed in.

A handler has one shape: `async def handler(deps, envelope) -> reply`, where the envelope is
the command as it came off the bus (workers/unit_of_work.py). Each handlers module lists its
own in HANDLERS; `command_router` binds them all (queue names from docs/api.md, quorum queues).
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import (
    Channel,
    ExchangeType,
    RabbitExchange,
    RabbitQueue,
    RabbitRouter,
)

from usersvc.domain.commands import Command
from usersvc.topology import (
    COMMANDS_EXCHANGE,
    command_queue_arguments,
    command_queue_name,
)
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.unit_of_work import CommandEnvelope

Handler = Callable[[WorkerDeps, Any], Awaitable[dict]]
Handlers = Mapping[type[Command], Handler]

COMMANDS = RabbitExchange(COMMANDS_EXCHANGE, type=ExchangeType.DIRECT, durable=True)
# bcrypt-bound commands wait in RabbitMQ, where their expiration drops them, rather than in a
# worker's thread-pool queue, where they would still be hashed after their caller gave up.
PASSWORD_HASHING_PREFETCH = 2


def command_queue(command: type[Command]) -> RabbitQueue:
    # The queue type is in `arguments` (shared with queue_upgrade's comparison), which
    # FastStream's typed overloads of RabbitQueue do not model.
    return RabbitQueue(  # type: ignore[call-overload]
        command_queue_name(command.ROUTING_KEY),
        durable=True,
        routing_key=command.ROUTING_KEY,
        arguments=command_queue_arguments(carries_secret=command.CARRIES_SECRET),
    )


def _consumer(deps: WorkerDeps, command: type[Command], handler: Handler) -> Callable[..., Awaitable[dict]]:
    async def consume(envelope: CommandEnvelope) -> dict:  # type: ignore[type-arg]  # set just below
        return await handler(deps, envelope)

    # FastStream parses the body into the parameter's annotation: this command's envelope.
    consume.__annotations__ = {"envelope": CommandEnvelope[command], "return": dict}  # type: ignore[valid-type]
    consume.__name__ = consume.__qualname__ = handler.__name__
    consume.__doc__ = handler.__doc__
    return consume


def command_router(deps: WorkerDeps, handlers: Handlers) -> RabbitRouter:
    """Manual acks: CommandMiddleware settles each message after its reply is sent."""
    router = RabbitRouter()
    for command, handler in handlers.items():
        prefetch = deps.settings.worker_prefetch
        if command.HASHES_PASSWORD:
            prefetch = min(prefetch, PASSWORD_HASHING_PREFETCH)
        router.subscriber(
            command_queue(command),
            COMMANDS,
            ack_policy=AckPolicy.MANUAL,
            channel=Channel(prefetch_count=prefetch),
            title=command.ROUTING_KEY,
            description=(command.__doc__ or "").strip() or None,
        )(_consumer(deps, command, handler))
    return router
