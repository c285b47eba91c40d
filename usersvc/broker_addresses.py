"""Broker URLs that list several nodes of one RabbitMQ cluster (docs/operations.md, "RabbitMQ cluster").

    amqp://usersvc-worker:pw@rabbit-1:5672,rabbit-2:5672,rabbit-3:5672/usersvc?heartbeat=10

One user, password, vhost and query for all the nodes; each address is `host`, `host:port`
or `[IPv6]:port`, the port defaulting to 5672 (5671 for amqps). Standard library only: the
settings check it at start-up, before any broker library is imported.
"""

from dataclasses import dataclass

DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}


@dataclass(frozen=True)
class BrokerAddresses:
    urls: tuple[str, ...]  # one single-node URL per address, in the order given
    addresses: tuple[tuple[str, int], ...]  # (host, port); an IPv6 host without brackets

    @property
    def url(self) -> str:
        """The first node's URL: what a library that takes one URL is given."""
        return self.urls[0]


def parse_broker_url(url: str) -> BrokerAddresses:
    """Raises ValueError saying what is wrong (without the password)."""
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in DEFAULT_PORTS:
        raise ValueError("must start with amqp:// or amqps://")
    end = min((index for index in (rest.find(c) for c in "/?#") if index >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    userinfo, at, hosts = netloc.rpartition("@")
    if not hosts:
        raise ValueError("names no broker host")
    entries = [entry.strip() for entry in hosts.split(",")]
    addresses = tuple(_address(entry, DEFAULT_PORTS[scheme]) for entry in entries)
    if len(addresses) == 1:
        return BrokerAddresses(urls=(url,), addresses=addresses)
    prefix = f"{scheme}://{userinfo}{at}"
    urls = tuple(f"{prefix}{_netloc(host, port)}{tail}" for host, port in addresses)
    return BrokerAddresses(urls=urls, addresses=addresses)


def _address(entry: str, default_port: int) -> tuple[str, int]:
    if not entry:
        raise ValueError("has an empty broker address (a stray comma?)")
    if entry.startswith("["):
        host, closed, after = entry[1:].partition("]")
        if not closed or (after and not after.startswith(":")):
            raise ValueError(f"has a malformed IPv6 address {entry!r}")
        port = after[1:]
    else:
        host, _, port = entry.partition(":")
        if ":" in port:
            raise ValueError(f"has an IPv6 address without brackets {entry!r}")
    if not host:
        raise ValueError(f"has an address without a host {entry!r}")
    if not port:
        return host, default_port
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"has an invalid port in {entry!r}")
    return host, int(port)


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def display(address: tuple[str, int]) -> str:
    return _netloc(*address)
