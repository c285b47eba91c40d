"""The Redis client REDIS_URL names: one server, or a Redis Cluster (docs/operations.md, "Redis Cluster").

A cluster is named by the scheme `redis+cluster://` (`rediss+cluster://` for TLS) followed by
one or more of its nodes, comma-separated, e.g. `redis+cluster://:secret@10.0.0.1:6379,10.0.0.2:6379`.
The client learns the other nodes and the slot map from whichever answers first. Credentials
and query options mean what they mean in a `redis://` URL; a cluster has database 0 only.

The client is typed as `Redis` for the rest of the code: a RedisCluster has the same command
methods, and only the code that must work differently on a cluster checks
`isinstance(client, RedisCluster)` (edge/gate.py, workers/cache.py).
"""

from typing import cast
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
DEFAULT_PORT = 6379


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def connect_redis(url: str, **options) -> Redis:
    """A client for `url` (no connection is made until its first command); `options` as for
    `Redis.from_url`, e.g. max_connections (per node on a cluster)."""
    parts = urlsplit(url)
    scheme = CLUSTER_SCHEMES.get(parts.scheme)
    if scheme is None:
        # Redis.from_url, unlike Redis(), retries nothing: after a restart of the server every
        # pooled connection would fail its next command once, long after the server is back.
        return Redis.from_url(url, **{"retry": Retry(NoBackoff(), 1, (RedisConnectionError,)), **options})
    credentials, _, hosts = parts.netloc.rpartition("@")
    seeds = [seed.strip() for seed in hosts.split(",") if seed.strip()]
    if not seeds:
        raise ValueError("REDIS_URL names a cluster but none of its nodes (redis+cluster://host:port,…)")
    # The first node goes through redis-py's own URL parsing (credentials, TLS, query options);
    # the others are further startup nodes, connected with the same options.
    first = urlunsplit((scheme, f"{credentials}@{seeds[0]}" if credentials else seeds[0], parts.path, parts.query, ""))
    cluster = RedisCluster.from_url(first, startup_nodes=[_node(seed) for seed in seeds[1:]], **options)
    return cast(Redis, cluster)


def _node(seed: str) -> ClusterNode:
    """`host:port`, `[ipv6]:port` or `host` (port 6379)."""
    parts = urlsplit(f"//{seed}")
    if not parts.hostname:
        raise ValueError(f"REDIS_URL: {seed!r} is not host:port")
    return ClusterNode(parts.hostname, parts.port or DEFAULT_PORT)
