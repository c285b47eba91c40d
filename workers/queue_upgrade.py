"""Re-create queues that an older version declared with other arguments.

RabbitMQ refuses to redeclare a queue with different arguments (PRECONDITION_FAILED), and
arguments changed: secret-bearing command queues lost their dead-letter exchange, and the
dead-letter queue gained a length limit and a TTL. Before the workers subscribe, each such
queue is checked; one declared differently is deleted, with what it held (commands that
were expiring anyway, or dead letters that may hold secrets), and declared anew.
"""

import logging

import aiormq.exceptions

from usersvc.broker_failover import connect_first_node

log = logging.getLogger(__name__)


async def recreate_changed_queues(url: str, expected: dict[str, dict]) -> list[str]:
    """`expected` maps queue name → arguments (durable queues). Returns the re-created names."""
    recreated = []
    connection = await connect_first_node(url)  # RABBITMQ_URL may list several nodes
    async with connection:
        for name, arguments in expected.items():
            channel = await connection.channel()
            try:
                await channel.declare_queue(name, durable=True, arguments=arguments)
                await channel.close()
                continue
            except aiormq.exceptions.ChannelPreconditionFailed:
                pass  # the broker closed that channel
            channel = await connection.channel()
            await channel.queue_delete(name)
            await channel.declare_queue(name, durable=True, arguments=arguments)
            await channel.close()
            log.warning("queue %s had the arguments of an older version; re-created it", name)
            recreated.append(name)
    return recreated
