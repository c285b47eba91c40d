"""Names on the bus (CONTRACT §2), shared by the edge, the workers and the tests."""

COMMANDS_EXCHANGE = "usersvc.commands"
EVENTS_EXCHANGE = "usersvc.events"
DEAD_LETTER_EXCHANGE = "usersvc.dead-letter"
DEAD_LETTER_QUEUE = "usersvc.dead-letter"
# A command that keeps failing is redelivered this often, then dead-lettered.
DELIVERY_LIMIT = 5


def command_queue_name(routing_key: str) -> str:
    return f"usersvc.{routing_key}"


def command_queue_arguments() -> dict:
    """Quorum queues count deliveries, so a poison message ends in the dead-letter queue."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
    }
