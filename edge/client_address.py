"""Who the client is, from the socket peer and X-Forwarded-For (docs/api.md, "REST"). No framework here.

X-Forwarded-For is believed only as far as it was written by proxies we trust: each trusted
hop appends the address it received the request from, so reading right to left, the first
address that is not a trusted proxy is the client. Anything further left came from the
client itself and proves nothing.
"""

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPV6_SUBJECT_PREFIX = 64  # one IPv6 customer usually holds a whole /64


def parse_ip(text: str) -> IPAddress | None:
    """An address from a peer or header entry (`[v6]`, `[v6]:port`, `v4:port` too), else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has at least two colons
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:  # a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
            return address.ipv4_mapped
        return ipaddress.IPv6Address(int(address))  # without a zone id (`%eth0`)
    return address


def is_trusted(address: IPAddress | None, trusted: Iterable[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in trusted)


def resolve_client_ip(*, peer: str, forwarded_for: Iterable[str], trusted: tuple[IPNetwork, ...]) -> str:
    """The client's address: `peer` unless a trusted proxy, else the right-most untrusted hop.

    `forwarded_for` holds the X-Forwarded-For header values in the order received. When every
    hop is trusted, the left-most one is the client. A malformed or empty entry ends the walk
    and the left-most trusted hop seen so far is the answer: a trusted proxy never writes one,
    so it, and everything left of it, was written by someone we cannot vouch for.
    """
    peer_address = parse_ip(peer)
    if not is_trusted(peer_address, trusted):
        return str(peer_address) if peer_address is not None else peer
    hops = [entry for value in forwarded_for for entry in value.split(",")]
    client = peer_address
    for entry in reversed(hops):
        hop = parse_ip(entry)
        if hop is None:
            break
        client = hop
        if not is_trusted(hop, trusted):
            break
    return str(client)


def rate_limit_subject(client_ip: str) -> str:
    """What a per-client limit counts: the IPv4 address, or the IPv6 address's /64 network."""
    address = parse_ip(client_ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_SUBJECT_PREFIX), strict=False))
    return str(address) if address is not None else (client_ip or "unknown")
