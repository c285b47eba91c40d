"""Broker URLs listing several cluster nodes: parsed strictly, and connected to in rotation."""

import asyncio
import re
import ssl

import pytest
from aiormq import SSLContextProvider
from aiormq.exceptions import AMQPConnectionError
from pydantic import ValidationError
from yarl import URL

from usersvc.broker_addresses import parse_broker_url
from usersvc.broker_failover import NodeRotation
from usersvc.settings import Settings


def test_one_address_is_left_as_it_is():
    nodes = parse_broker_url("amqp://usersvc-worker:pw@rabbit:5672/usersvc")
    assert nodes.urls == ("amqp://usersvc-worker:pw@rabbit:5672/usersvc",)
    assert nodes.addresses == (("rabbit", 5672),)


def test_several_addresses_share_the_credentials_vhost_and_query():
    nodes = parse_broker_url("amqp://u%40x:p%2Cw@r1:5672, r2 ,[fd00::3]:5673/usersvc?heartbeat=10")
    assert nodes.addresses == (("r1", 5672), ("r2", 5672), ("fd00::3", 5673))
    assert nodes.urls == (
        "amqp://u%40x:p%2Cw@r1:5672/usersvc?heartbeat=10",
        "amqp://u%40x:p%2Cw@r2:5672/usersvc?heartbeat=10",
        "amqp://u%40x:p%2Cw@[fd00::3]:5673/usersvc?heartbeat=10",
    )
    assert nodes.url == nodes.urls[0]


def test_the_default_port_follows_the_scheme():
    assert parse_broker_url("amqps://u:p@r1,r2/v").addresses == (("r1", 5671), ("r2", 5671))
    assert parse_broker_url("amqp://r1,r2").urls == ("amqp://r1:5672", "amqp://r2:5672")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://u:p@r1,r2/v", "must start with amqp:// or amqps://"),
        ("amqp://u:p@r1,,r2/v", "empty broker address"),
        ("amqp://u:p@r1,/v", "empty broker address"),
        ("amqp://u:p@/v", "names no broker host"),
        ("amqp://u:p@r1:x,r2/v", "invalid port in 'r1:x'"),
        ("amqp://u:p@r1:0,r2/v", "invalid port"),
        ("amqp://u:p@r1:65536/v", "invalid port"),
        ("amqp://u:p@fd00::1,r2/v", "IPv6 address without brackets"),
        ("amqp://u:p@[fd00::1/v", "malformed IPv6 address"),
        ("amqp://u:p@r1,:5672/v", "without a host"),
    ],
)
def test_a_malformed_list_is_refused_with_the_reason(url, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        parse_broker_url(url)
    assert "p@" not in str(error.value)  # no password in the message


def test_the_setting_that_is_wrong_is_named(monkeypatch):
    for name in ("RABBITMQ_URL", "EDGE_RABBITMQ_URL", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="RABBITMQ_URL has an empty broker address"):
        Settings(_env_file=None, environment="development", rabbitmq_url="amqp://guest:guest@r1,,r2/")
    with pytest.raises(ValidationError, match="EDGE_RABBITMQ_URL has an invalid port"):
        Settings(_env_file=None, environment="development", edge_rabbitmq_url="amqp://e:p@r1:99999,r2/")
    settings = Settings(_env_file=None, environment="development", rabbitmq_url="amqp://w:p@r1,r2:5673/usersvc")
    assert settings.edge_broker_user == "w"


class Listener:
    """A local TCP server that counts the connections it accepts."""

    def __init__(self) -> None:
        self.accepted = 0

    async def __aenter__(self) -> "Listener":
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def _accept(self, reader, writer) -> None:
        self.accepted += 1
        writer.close()

    async def __aexit__(self, *_) -> None:
        self.server.close()
        await self.server.wait_closed()


async def _dead_port() -> int:
    async with Listener() as listener:
        return listener.port  # closed now: connections are refused


async def _connect(rotation: NodeRotation) -> None:
    _, writer = await rotation.create(URL("amqp://u:p@first-node:5672/v"))
    writer.close()
    await asyncio.sleep(0.05)  # the listener counts it


async def test_each_connection_starts_after_the_node_used_last_and_skips_dead_ones():
    dead = await _dead_port()
    async with Listener() as one, Listener() as two:
        rotation = NodeRotation([("127.0.0.1", dead), ("127.0.0.1", one.port), ("127.0.0.1", two.port)], pause=0)
        await _connect(rotation)  # the dead node first (the order given), then one
        assert (one.accepted, two.accepted) == (1, 0)
        await _connect(rotation)  # after one: two
        assert (one.accepted, two.accepted) == (1, 1)
        await _connect(rotation)  # after two: the dead node again, then one
        assert (one.accepted, two.accepted) == (2, 1)
    with pytest.raises(AMQPConnectionError) as error:
        await _connect(rotation)  # none left: each is tried once, after one again
    tried = [part.split(": ")[0] for part in str(error.value).removeprefix("no broker node answered (").split("; ")]
    assert tried == [f"127.0.0.1:{port}" for port in (two.port, dead, one.port)]


async def test_a_reconnection_waits_for_the_cluster_to_notice_the_lost_node_first():
    async with Listener() as one, Listener() as two:
        rotation = NodeRotation([("127.0.0.1", one.port), ("127.0.0.1", two.port)], pause=0.3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await _connect(rotation)
        first = loop.time() - started
        await _connect(rotation)  # the node it used is lost: another one, after the pause
        assert first < 0.3 <= loop.time() - started - first < 1
        assert (one.accepted, two.accepted) == (1, 1)


async def test_a_node_that_accepts_but_never_answers_costs_the_timeout_only():
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)  # no TLS handshake
    port = silent.sockets[0].getsockname()[1]
    rotation = NodeRotation([("127.0.0.1", port), ("localhost", port)], timeout=0.3)
    tls = SSLContextProvider(ssl_context=ssl.create_default_context(), ssl_certs=None, loop=asyncio.get_running_loop())
    started = asyncio.get_running_loop().time()
    try:
        with pytest.raises(AMQPConnectionError, match=r"no answer in time; localhost:.*no answer in time"):
            await rotation.create(URL("amqps://u:p@first-node/v"), ssl_context_provider=tls)
    finally:
        silent.close()
    assert 0.6 <= asyncio.get_running_loop().time() - started < 2
