"""At start, each backing service must answer; if one does not, the process stops with one
line naming the setting that points at it (docs/configuration.md), not a traceback or a retry loop."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from usersvc.broker_addresses import parse_broker_url
from usersvc.broker_failover import connect_first_node
from usersvc.redis_client import connect_redis

CONNECT_TIMEOUT_SECONDS = 5.0


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def _database(url: str) -> None:
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    await connection.close()


async def _broker(url: str) -> None:
    transport_log = logging.getLogger("aiormq.connection")
    level = transport_log.level
    transport_log.setLevel(logging.CRITICAL)  # its own error line would come before ours
    try:
        connection = await connect_first_node(url, timeout=CONNECT_TIMEOUT_SECONDS)  # of those listed
        await connection.close()
    finally:
        transport_log.setLevel(level)


async def _cache(url: str) -> None:
    redis = connect_redis(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await redis.ping()
    finally:
        await redis.aclose()


PROBES: dict[str, Callable[[str], Awaitable[None]]] = {"database": _database, "broker": _broker, "cache": _cache}


def _probe_seconds(kind: str, url: str) -> float:
    """A broker URL may list several nodes, each given CONNECT_TIMEOUT_SECONDS in turn."""
    attempts = len(parse_broker_url(url).urls) if kind == "broker" else 1
    return CONNECT_TIMEOUT_SECONDS * attempts + 1


async def first_unreachable(targets: list[tuple[str, str, str]]) -> str | None:
    """`targets` are (setting name, kind of service, URL); the problem line, or None."""
    for setting, kind, url in targets:
        try:
            await asyncio.wait_for(PROBES[kind](url), _probe_seconds(kind, url))
        except Exception as error:  # any failure to connect is reported the same way
            reason = str(error) or type(error).__name__
            return f"{setting}: cannot connect to the {kind} at {without_password(url)} ({reason})"
    return None
