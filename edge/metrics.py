"""Prometheus metrics of the edge process (GET /metrics).

The per-request counters are counted in process memory and added to prometheus-client's
counters every FLUSH_SECONDS (and before each /metrics answer): with several edge processes
those counters live in shared files, and each `inc()` there takes a lock, a getpid() and a
file write, a few percent of a cached read's CPU. /metrics may lag by up to FLUSH_SECONDS.
"""

import asyncio
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
# Rare, and counted at once (no LocalCount): the per-account back-off's refusals (docs/analytics.md).
LOGINS_HELD_BACK = Counter("usersvc_logins_held_back_total", "Logins refused by the per-account back-off (429)")
FLUSH_SECONDS = 0.25


class LocalCount:
    """One labelled counter, counted here until flush() adds it to the shared one."""

    __slots__ = ("_counter", "_pending")

    def __init__(self, counter: Counter) -> None:
        self._counter = counter
        self._pending = 0
        _LOCAL_COUNTS.append(self)

    def inc(self) -> None:
        self._pending += 1

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, 0
            self._counter.inc(pending)


_LOCAL_COUNTS: list[LocalCount] = []


def flush_counts() -> None:
    for count in _LOCAL_COUNTS:
        count.flush()


async def flush_counts_forever() -> None:
    try:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            flush_counts()
    finally:  # cancelled at shutdown: what was counted since the last flush still counts
        flush_counts()


# labels() hashes and locks on every call; the hot path counts through bound children.
@cache
def cache_lookup(kind: str, result: str) -> LocalCount:
    return LocalCount(CACHE_LOOKUPS.labels(kind, result))


@cache
def response_counter(status: int) -> LocalCount:
    return LocalCount(RESPONSES.labels(str(status)))
