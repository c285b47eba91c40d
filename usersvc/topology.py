"""Names on the bus (docs/api.md, "Bus"), shared by the edge, the workers and the tests."""

COMMANDS_EXCHANGE = "usersvc.commands"
EVENTS_EXCHANGE = "usersvc.events"
DEAD_LETTER_EXCHANGE = "usersvc.dead-letter"
DEAD_LETTER_QUEUE = "usersvc.dead-letter"
# A command that keeps failing is redelivered this often, then dead-lettered (or, when it
# carries a secret, dropped).
DELIVERY_LIMIT = 5
# Dead letters wait for an operator, but not for ever and not without bound.
DEAD_LETTER_MAX_LENGTH = 10_000
DEAD_LETTER_TTL_MS = 7 * 24 * 3600 * 1000


def command_queue_name(routing_key: str) -> str:
    return f"usersvc.{routing_key}"


def command_queue_arguments(*, carries_secret: bool) -> dict:
    """Quorum queues count deliveries, so a poison message cannot loop.

    A command that carries a password or token has no dead-letter exchange: when it expires,
    is rejected or fails too often, RabbitMQ drops it instead of keeping the secret at rest.
    """
    arguments = {"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT}
    if not carries_secret:
        arguments["x-dead-letter-exchange"] = DEAD_LETTER_EXCHANGE
    return arguments


def dead_letter_queue_arguments() -> dict:
    """A quorum queue too: a classic one lives on one node, and while that node is down a
    worker could neither declare it at start nor restore it when it reconnects."""
    return {
        "x-queue-type": "quorum",
        "x-max-length": DEAD_LETTER_MAX_LENGTH,
        "x-message-ttl": DEAD_LETTER_TTL_MS,
        "x-overflow": "drop-head",
    }


# The public signing keys reach every edge process over the bus, never through Redis: only
# the workers' broker user may publish to this fanout exchange (usersvc/broker_access.py),
# and each edge process binds a queue of its own to it (edge/key_set.py).
KEY_SET_EXCHANGE = "usersvc.key-set"
# Edge processes confirm a key set here, routed by the announcement's correlation id, so
# `usersvc keys revoke` can tell that every one of them has it.
KEY_SET_ACKS_EXCHANGE = "usersvc.key-set.acks"
# Every edge process consumes this queue (no message is ever sent to it): its consumer count
# is the number of edge processes that must confirm.
EDGE_PRESENCE_QUEUE = "usersvc.edge.presence"


def edge_key_queue_name(process_id: str) -> str:
    return f"usersvc.edge.keys.{process_id}"
