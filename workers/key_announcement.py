"""Telling every edge process of a key change, and knowing that each one has it.

`usersvc keys` publishes the new set on the `usersvc.key-set` fanout exchange (only the
workers' broker user may) with a correlation id; each edge process adopts it and confirms on
`usersvc.key-set.acks` under that id (edge/key_set.py). How many must confirm is the consumer
count of the presence queue every edge process consumes, as RabbitMQ itself reports it.
"""

import asyncio
import contextlib
import json
import uuid
from dataclasses import dataclass

import aio_pika
import aio_pika.abc
import aio_pika.exceptions

from usersvc.broker_failover import connect_first_node
from usersvc.published_keys import KeySetDocument
from usersvc.settings import url_user
from usersvc.topology import EDGE_PRESENCE_QUEUE, KEY_SET_ACKS_EXCHANGE, KEY_SET_EXCHANGE

# `usersvc keys revoke` promises that every running edge process refuses the key within 5 s.
CONFIRM_SECONDS = 5.0


@dataclass(frozen=True)
class Confirmation:
    edges: int  # edge processes listening when the set was announced
    confirmed: int  # of those, how many confirmed this version (or a newer one) in time

    @property
    def complete(self) -> bool:
        return self.confirmed >= self.edges


async def announce(rabbitmq_url: str, document: KeySetDocument, *, wait_seconds: float) -> Confirmation:
    """Raises what aio-pika raises when the broker cannot be reached."""
    connection = await connect_first_node(rabbitmq_url)
    try:
        channel = await connection.channel()
        key_set = await channel.declare_exchange(KEY_SET_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
        acks = await channel.declare_exchange(KEY_SET_ACKS_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        correlation_id = uuid.uuid4().hex
        queue = await channel.declare_queue(f"usersvc.keys.acks.{correlation_id}", exclusive=True, auto_delete=True)
        await queue.bind(acks, routing_key=correlation_id)
        edges = await _edge_processes(connection)
        confirmed: set[str] = set()
        everyone = asyncio.Event()

        async def on_ack(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            with contextlib.suppress(KeyError, ValueError, TypeError, AttributeError):
                body = json.loads(message.body)
                if int(body["version"]) >= document.version:
                    confirmed.add(str(body["edge"]))
            if len(confirmed) >= edges:
                everyone.set()

        await queue.consume(on_ack, no_ack=True)
        await key_set.publish(
            aio_pika.Message(
                document.encode(),
                content_type="application/json",
                correlation_id=correlation_id,
                user_id=url_user(rabbitmq_url),
            ),
            routing_key="",
        )
        if edges:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(everyone.wait(), wait_seconds)
        return Confirmation(edges=edges, confirmed=len(confirmed))
    finally:
        await connection.close()


async def _edge_processes(connection: aio_pika.abc.AbstractConnection) -> int:
    channel = await connection.channel()  # a passive declare of a missing queue closes its channel
    try:
        queue = await channel.declare_queue(EDGE_PRESENCE_QUEUE, passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return 0  # no edge process runs: each one fetches the set when it starts
    count = queue.declaration_result.consumer_count
    await channel.close()
    return count or 0
