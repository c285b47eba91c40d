"""Prometheus metrics of the edge process (GET /metrics)."""

from functools import cache

from prometheus_client import Counter, Histogram

CACHE_LOOKUPS = Counter("usersvc_cache_lookups_total", "Edge cache lookups", ["kind", "result"])
RPC_SECONDS = Histogram(
    "usersvc_rpc_seconds",
    "Command round trip through the bus",
    ["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter("usersvc_http_responses_total", "HTTP responses sent", ["status"])


# labels() hashes and locks on every call; the hot path counts through bound children.
@cache
def cache_lookup(kind: str, result: str) -> Counter:
    return CACHE_LOOKUPS.labels(kind, result)


@cache
def response_counter(status: int) -> Counter:
    return RESPONSES.labels(str(status))
