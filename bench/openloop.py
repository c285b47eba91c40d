"""An open-loop HTTP/1.1 load generator: requests go out on a fixed schedule, whatever the
answers do, and each one's latency runs from when it was *due*, not from when it was sent.

    python bench/openloop.py SPEC.json      # prints one line: OPENLOOP {json}

wrk (and every closed-loop tool) sends a connection's next request only after the last
answer, so when the service slows down the tool slows down with it and the waiting that a
real client would see is never measured (coordinated omission). Here each stream has a rate;
request i of a stream is due at start + i / rate. At its due time it goes out on an idle
keep-alive connection of its stream, or on a new one (up to `max_connections` per stream),
or else it waits in a queue here; any of that waiting counts in its latency. The
percentiles come from HdrHistogram (`hdrhistogram`, microseconds, 3 significant digits). Why
our own generator rather than a packaged tool: docs/decisions.md, "The open-loop load
generator is our own".

SPEC (JSON): {"url", "duration_s", "warmup_s", "max_connections", "drain_s", "streams": [
  {"name", "rate", "requests": [{"method", "path", "headers": {...}, "body": str | null}, ...]}]}
Each stream cycles through its requests; "{n}" in a body becomes the request's number in
the stream (so every PATCH sets a new value). Only requests due after the warm-up are
recorded. Requests still unanswered `drain_s` after the last one was due count as timeouts,
with the time they had waited by then as their latency (a lower bound, never left out).
The output gives, per stream: due and answered counts, statuses, errors, latency
percentiles, how late the generator itself was (due → handed to the connections; if that
is near the latency, the generator is what was measured), the send lag (due → written to a
socket: that plus any wait for a free connection); and the generator's CPU over the
measured window.
"""

import asyncio
import json
import re
import resource
import sys
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from pathlib import Path

from hdrh.histogram import HdrHistogram

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
CONNECTION_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)
HIGHEST_US = 3_600_000_000  # one hour: the histograms' range
PERCENTILES = (50, 90, 95, 99, 99.9)
TICK_S = 0.001


def histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_US, 3)


def summary_of(hist: HdrHistogram) -> dict:
    if not hist.get_total_count():
        return {"count": 0}
    out = {f"p{p:g}_ms": hist.get_value_at_percentile(p) / 1000 for p in PERCENTILES}
    out.update(count=hist.get_total_count(), max_ms=hist.get_max_value() / 1000, mean_ms=hist.get_mean_value() / 1000)
    return out


class Stream:
    """One kind of request at one rate, with its own histograms and counts."""

    def __init__(self, spec: dict, host: str, record_from: float) -> None:
        self.name = spec["name"]
        self.rate = float(spec["rate"])
        self.record_from = record_from
        self.templates = [self.encode(request, host) for request in spec["requests"]]
        self.latency = histogram()
        self.late = histogram()  # due → handed to the pool: the generator's own delay
        self.lag = histogram()  # due → written to a socket: that, plus waiting for a connection
        self.statuses: dict[str, int] = {}
        self.errors = {"status": 0, "connection": 0, "timeout": 0}
        self.due = 0  # requests due (recorded part)
        self.answered = 0

    @staticmethod
    def encode(request: dict, host: str) -> Callable[[int], bytes]:
        head = f"{request['method']} {request['path']} HTTP/1.1\r\nHost: {host}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in (request.get("headers") or {}).items())
        body = request.get("body")
        if body is None:
            fixed = (head + "\r\n").encode()
            return lambda _n: fixed
        before, marker, after = body.partition("{n}")
        if not marker:
            fixed = (head + f"Content-Length: {len(body.encode())}\r\n\r\n" + body).encode()
            return lambda _n: fixed
        start, end = before.encode(), after.encode()

        def numbered(n: int) -> bytes:
            payload = start + str(n).encode() + end
            return f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload

        return numbered

    def request(self, n: int) -> bytes:
        return self.templates[n % len(self.templates)](n)

    def recorded(self, due: float) -> bool:
        return due >= self.record_from

    def submitted(self, due: float, now: float) -> None:
        if self.recorded(due):
            self.due += 1
            self.late.record_value(max(1, int((now - due) * 1e6)))

    def sent(self, due: float, now: float) -> None:
        if self.recorded(due):
            self.lag.record_value(max(1, int((now - due) * 1e6)))

    def done(self, due: float, now: float, status: int | None) -> None:
        if not self.recorded(due):
            return
        self.latency.record_value(min(HIGHEST_US, max(1, int((now - due) * 1e6))))
        if status is None:
            self.errors["connection"] += 1
            return
        self.answered += 1
        key = str(status)
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if status >= 400:
            self.errors["status"] += 1

    def summary(self, window_s: float) -> dict:
        return {
            "rate": self.rate,
            "due": self.due,
            "answered": self.answered,
            "answered_per_s": self.answered / window_s if window_s else 0.0,
            "statuses": self.statuses,
            "errors": self.errors,
            "latency": summary_of(self.latency),
            "generator_late": summary_of(self.late),
            "send_lag": summary_of(self.lag),
        }


class Connection(asyncio.Protocol):
    """One keep-alive connection, one request at a time (no pipelining)."""

    def __init__(self, pool: "Pool") -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.current: tuple[Stream, float] | None = None  # (stream, due) in flight
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport subclass
        self.pool.connecting -= 1
        self.pool.connections.add(self)
        self.pool.idle.append(self)
        self.pool.pump()

    def send(self, stream: Stream, due: float, payload: bytes) -> None:
        assert self.transport is not None
        self.current = (stream, due)
        stream.sent(due, time.perf_counter())
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.current is None:
            return
        head = bytes(self.buffer[: end + 2])
        match = CONTENT_LENGTH.search(head)
        status = int(head[9:12])
        if match:
            length = int(match.group(1))
        elif status == 204 or status == 304 or 100 <= status < 200:
            length = 0
        else:  # no length (chunked or close-delimited): not what the services here send
            self.fail()
            return
        if len(self.buffer) < end + 4 + length:
            return
        stream, due = self.current
        self.current = None
        del self.buffer[: end + 4 + length]
        stream.done(due, time.perf_counter(), status)
        if CONNECTION_CLOSE.search(head):
            self.close()
        else:
            self.pool.idle.append(self)
        self.pool.release()

    def fail(self) -> None:
        if self.current is not None:
            stream, due = self.current
            self.current = None
            stream.done(due, time.perf_counter(), None)
            self.pool.release()
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool.open -= 1
            self.pool.connections.discard(self)
            if self in self.pool.idle:
                self.pool.idle.remove(self)
            if self.transport is not None:
                self.transport.close()
            self.pool.pump()

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail()


class Pool:
    """The connections to the target and the queue of requests due but not yet sent."""

    def __init__(self, host: str, port: int, max_connections: int) -> None:
        self.host, self.port, self.max_connections = host, port, max_connections
        self.idle: list[Connection] = []
        self.connections: set[Connection] = set()  # made and not closed
        self.waiting: deque[tuple[Stream, int, float]] = deque()  # (stream, n, due)
        self.open = 0  # connections made or being made
        self.connecting = 0
        self.in_flight = 0
        self.peak_open = 0
        self.peak_waiting = 0
        self.connect_errors = 0
        self.all_done = asyncio.Event()
        self.connects: set[asyncio.Future] = set()

    def submit(self, stream: Stream, n: int, due: float) -> None:
        self.waiting.append((stream, n, due))
        self.in_flight += 1
        self.all_done.clear()
        self.pump()

    def pump(self) -> None:
        while self.waiting and self.idle:
            stream, n, due = self.waiting.popleft()
            self.idle.pop().send(stream, due, stream.request(n))
        self.peak_waiting = max(self.peak_waiting, len(self.waiting))
        while len(self.waiting) > self.connecting and self.open < self.max_connections:
            self.open += 1
            self.connecting += 1
            self.peak_open = max(self.peak_open, self.open)
            task = asyncio.ensure_future(self.connect())
            self.connects.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(self.connects.discard)

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: Connection(self), self.host, self.port)
        except Exception:  # refused, reset, or anything else: that request fails, the run goes on
            self.connect_errors += 1
            self.connecting -= 1
            self.open -= 1
            if self.waiting:  # the request that asked for it fails: the service refused it
                stream, _n, due = self.waiting.popleft()
                stream.done(due, time.perf_counter(), None)
                self.release()

    def release(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self.all_done.set()
        self.pump()


async def run(spec: dict) -> dict:
    url = urllib.parse.urlsplit(spec["url"])
    host, port = url.hostname or "127.0.0.1", url.port or 80
    warmup, duration = float(spec.get("warmup_s", 2)), float(spec["duration_s"])
    start = time.perf_counter() + 0.05
    record_from, end = start + warmup, start + warmup + duration
    streams = [Stream(s, f"{host}:{port}", record_from) for s in spec["streams"] if float(s["rate"]) > 0]
    # Each stream its own connections, as separate clients would have: slow writes holding
    # theirs never leave the reads waiting here for one.
    pools = {stream.name: Pool(host, port, int(spec.get("max_connections", 256))) for stream in streams}
    sent = [0] * len(streams)
    cpu_at_window: float | None = None

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    while True:
        now = time.perf_counter()
        if cpu_at_window is None and now >= record_from:
            cpu_at_window = cpu()
        next_due = end
        for index, stream in enumerate(streams):
            while True:
                due = start + sent[index] / stream.rate
                if due >= end:
                    break
                if due > now:
                    next_due = min(next_due, due)
                    break
                stream.submitted(due, now)
                pools[stream.name].submit(stream, sent[index], due)
                sent[index] += 1
        if next_due >= end:
            break
        # The event loop's timers count whole milliseconds, and a shorter sleep would spin: the
        # requests due meanwhile go out together on waking (up to ~1 ms late: generator_late),
        # each still timed from its own due time.
        await asyncio.sleep(max(TICK_S, next_due - time.perf_counter()))
    drain_s = float(spec.get("drain_s", 10))
    try:
        await asyncio.wait_for(
            asyncio.gather(*(pool.all_done.wait() for pool in pools.values())),
            timeout=max(0.0, end - time.perf_counter()) + drain_s,
        )
    except TimeoutError:
        pass
    window_end = time.perf_counter()
    cpu_used = cpu() - (cpu_at_window if cpu_at_window is not None else 0.0)
    timed_out = sum(unanswered(pool, window_end) for pool in pools.values())
    return {
        "duration_s": duration,
        "warmup_s": warmup,
        "window_s": window_end - record_from,
        "streams": {
            stream.name: {**stream.summary(duration), "peak_connections": pools[stream.name].peak_open}
            for stream in streams
        },
        "timeouts": timed_out,
        "peak_connections": sum(pool.peak_open for pool in pools.values()),
        "peak_waiting": sum(pool.peak_waiting for pool in pools.values()),
        "connect_errors": sum(pool.connect_errors for pool in pools.values()),
        "cpu_pct_of_core": cpu_used / (window_end - record_from) * 100,
    }


def unanswered(pool: Pool, now: float) -> int:
    """Requests still queued here or in flight: timeouts, recorded with their wait so far."""
    count = 0
    late = [(stream, due) for stream, _n, due in pool.waiting]
    pool.waiting.clear()
    for connection in pool.connections:
        if connection.current:
            late.append(connection.current)
            connection.current = None
    for stream, due in late:
        if stream.recorded(due):
            stream.latency.record_value(min(HIGHEST_US, max(1, int((now - due) * 1e6))))
            stream.errors["timeout"] += 1
            count += 1
    return count


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else json.load(sys.stdin)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    print("OPENLOOP " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
