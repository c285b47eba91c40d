"""How a handler is bound to its command's queue (names from docs/api.md, quorum queues)."""

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

COMMANDS = RabbitExchange(COMMANDS_EXCHANGE, type=ExchangeType.DIRECT, durable=True)
# bcrypt-bound commands wait in RabbitMQ, where their expiration drops them, rather than in a
# worker's thread-pool queue, where they would still be hashed after their caller gave up.
PASSWORD_HASHING_PREFETCH = 2


def command_queue(command: type[Command]) -> RabbitQueue:
    return RabbitQueue(
        command_queue_name(command.ROUTING_KEY),
        durable=True,
        routing_key=command.ROUTING_KEY,
        arguments=command_queue_arguments(carries_secret=command.CARRIES_SECRET),
    )


def subscribe(router: RabbitRouter, command: type[Command], *, prefetch: int):
    """Manual acks: CommandMiddleware settles each message after its reply is sent."""
    if command.HASHES_PASSWORD:
        prefetch = min(prefetch, PASSWORD_HASHING_PREFETCH)
    return router.subscriber(
        command_queue(command),
        COMMANDS,
        ack_policy=AckPolicy.MANUAL,
        channel=Channel(prefetch_count=prefetch),
        title=command.ROUTING_KEY,
        description=(command.__doc__ or "").strip() or None,
    )
