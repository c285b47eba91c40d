"""Broker connections to a RabbitMQ cluster: the first node that answers, the next one when it is lost.

Neither FastStream nor aio-pika takes several addresses (aio-pika issue #141), but aiormq,
under both, opens its socket through a replaceable `aiormq.TransportFactory` (the
`transport_factory` argument of `aiormq.Connection`). aio-pika's robust connection opens every
connection and every reconnection the same way: `Connection.connect` →
`UnderlayConnection.connect(self.url, …, **self.kwargs)` → `aiormq.connect(url, **kwargs)`.
So a `NodeRotation` kept in the connection's `kwargs` chooses the node each time: the first
connection tries the nodes in the order given; each later one starts with the node after the
one it used last, so a lost node is tried last, and only when the others do not answer.

With a single address nothing here is used: the libraries connect as they always did.
"""

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from aiormq.connection import TCPTransportFactory, TLSTransportFactory
from aiormq.exceptions import AMQPConnectionError
from faststream.rabbit import RabbitBroker
from yarl import URL

from usersvc.broker_addresses import display, parse_broker_url

log = logging.getLogger(__name__)

# Opening the socket (and TLS) to one node; a node that is gone without a reset (a powered-off
# host) costs this long before the next is tried. The AMQP handshake comes after.
NODE_CONNECT_TIMEOUT_SECONDS = 3.0
# A reconnection waits this long first, so the cluster notices the lost node and elects new
# leaders for the queues it led before we publish again. Seen killing nodes under load
# (RabbitMQ 3.10): the edge, back on another node 15 ms after the loss, before that node had
# seen it, had every publish to a quorum queue whose leader was lost nacked for ~30 s.
RECONNECT_PAUSE_SECONDS = 2.0
Address = tuple[str, int]


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error.args[-1]) if error.args else type(error).__name__


class NodeRotation(aiormq.TransportFactory):
    """Opens the socket to the first of `addresses` that answers, starting after the last used."""

    def __init__(
        self,
        addresses: Sequence[Address],
        *,
        timeout: float = NODE_CONNECT_TIMEOUT_SECONDS,
        pause: float = RECONNECT_PAUSE_SECONDS,
    ) -> None:
        self.addresses = tuple(addresses)
        self.timeout = timeout
        self.pause = pause
        self.start = 0  # index of the node the next connection tries first
        self.connected_before = False

    async def create(self, url: URL, **kwargs: Any) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.connected_before:  # a reconnection: the node it used is lost
            await asyncio.sleep(self.pause)
        # aiormq's own factories do the opening (and TLS, checked against each node's name).
        transport = TLSTransportFactory() if url.scheme == "amqps" else TCPTransportFactory()
        failures = []
        for offset in range(len(self.addresses)):
            index = (self.start + offset) % len(self.addresses)
            host, port = self.addresses[index]
            try:
                streams = await asyncio.wait_for(
                    transport.create(url.with_host(host).with_port(port), **kwargs), self.timeout
                )
            except OSError as error:  # as are aiormq's AMQPConnectionError and TimeoutError
                failures.append(f"{display((host, port))}: {_reason(error)}")
                log.warning("broker node %s did not answer (%s)", display((host, port)), _reason(error))
                continue
            self.start = (index + 1) % len(self.addresses)
            self.connected_before = True
            log.info("connected to broker node %s", display((host, port)))
            return streams
        raise AMQPConnectionError(f"no broker node answered ({'; '.join(failures)})")


class RobustNodesConnection(aio_pika.RobustConnection):
    """aio-pika's robust connection (it reconnects and restores channels, queues and
    consumers), with a NodeRotation in the kwargs it hands to aiormq on every connect."""

    def __init__(
        self, url: URL, loop: asyncio.AbstractEventLoop | None = None, *, addresses: Sequence[Address], **kwargs: Any
    ) -> None:
        super().__init__(url, loop, **kwargs)
        self.kwargs["transport_factory"] = NodeRotation(addresses)
        self.nodes = ", ".join(display(address) for address in addresses)

    def __str__(self) -> str:  # in aio-pika's log lines: the URL of the first node, and the list
        return f"{super().__str__()} (nodes {self.nodes})"


class ClusterBroker(RabbitBroker):
    """FastStream's RabbitBroker for a URL that may list several nodes (usersvc.broker_addresses)."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        nodes = parse_broker_url(url)
        super().__init__(nodes.url, **kwargs)
        if len(nodes.addresses) > 1:
            # RabbitBroker._connect (faststream/rabbit/broker/broker.py) opens its connection with
            # aio_pika.connect_robust(**self._connection_kwargs), which builds it as
            # connection_class(url, loop=…, **kwargs).
            self._connection_kwargs["connection_class"] = partial(RobustNodesConnection, addresses=nodes.addresses)


async def connect_first_node(url: str, **kwargs: Any) -> AbstractConnection:
    """A one-off aio_pika.connect to the first node of `url` that lets it in (start-up checks)."""
    nodes = parse_broker_url(url)
    if len(nodes.urls) == 1:
        return await aio_pika.connect(nodes.url, **kwargs)
    failures = []
    for node_url, address in zip(nodes.urls, nodes.addresses, strict=True):
        try:
            return await aio_pika.connect(node_url, **kwargs)
        except CONNECTION_EXCEPTIONS as error:
            failures.append(f"{display(address)}: {_reason(error)}")
    raise AMQPConnectionError(f"no broker node answered ({'; '.join(failures)})")


def missing_consumers(broker: RabbitBroker) -> list[str]:
    """The queues whose consumer the broker's connection lacks (a subscriber started and not
    stopped, whose consumer tag its channel does not hold)."""
    missing = []
    for subscriber in broker.subscribers:
        queue, tag = getattr(subscriber, "_queue_obj", None), getattr(subscriber, "_consumer_tag", None)
        if queue is None or tag is None:
            continue
        underlay = getattr(queue.channel, "_channel", None)  # aio-pika's open channel, if any
        if underlay is None or underlay.channel.is_closed or tag not in underlay.channel.consumers:
            missing.append(queue.name)
    return missing


def _connected(connection: Any) -> bool:
    """Connected and not reconnecting: aio-pika restores consumers itself while it reconnects."""
    connected, transport = getattr(connection, "connected", None), getattr(connection, "transport", None)
    return (
        connected is not None
        and connected.is_set()
        and not getattr(connection, "reconnecting", True)
        and transport is not None
        and not transport.connection.is_closed
    )


def _exit_now() -> None:
    logging.shutdown()
    os._exit(1)


async def keep_consuming(
    broker: RabbitBroker,
    *,
    every: float = 5.0,
    give_up_after: float = 30.0,
    give_up: Callable[[], None] = _exit_now,
) -> None:
    """Seen killing cluster nodes under load: aio-pika reconnects to another node but, now and
    then, leaves the consumers of some channels behind, and the worker stays up without
    consuming. While connected, this checks every `every` seconds that each queue has its
    consumer; when one lacks it, asks the connection to restore consumers (what aio-pika does
    when the broker cancels one), and ends the process when that has not helped within
    `give_up_after` seconds, for its supervisor to start it afresh."""
    loop = asyncio.get_running_loop()
    lacking_since: float | None = None
    while True:
        await asyncio.sleep(every)
        connection = broker._connection
        if not _connected(connection):
            lacking_since = None
            continue
        missing = missing_consumers(broker)
        if not missing:
            if lacking_since is not None:
                log.info("consuming every queue again")
            lacking_since = None
        elif lacking_since is None:
            lacking_since = loop.time()
            log.warning("connected but not consuming %s; restoring the consumers", ", ".join(sorted(missing)))
            connection._request_recovery()  # type: ignore[union-attr]
        elif loop.time() - lacking_since > give_up_after:
            log.critical("still not consuming %s after %s s; exiting", ", ".join(sorted(missing)), give_up_after)
            give_up()
            return
