"""bench/openloop.py, the open-loop generator: each request is timed from when it was due, so
a wait in its queue counts; bodies are numbered; refused connections are errors, not gaps.

The latencies asserted are lower bounds the test server forces (it answers one request at a
time, each after a fixed delay), not speed thresholds."""

import asyncio
import re

from bench import openloop

LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)


async def start_server(delay: float, bodies: list[bytes]) -> tuple[asyncio.Server, int]:
    """HTTP/1.1 keep-alive: answers 200 `{}` to each request after `delay` seconds."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                match = LENGTH.search(head)
                if match:
                    bodies.append(await reader.readexactly(int(match.group(1))))
                await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def spec(port: int, *, rate: float, duration: float, max_connections: int, body: str | None = None) -> dict:
    request = {"method": "POST" if body else "GET", "path": "/x", "headers": {}, "body": body}
    return {
        "url": f"http://127.0.0.1:{port}",
        "duration_s": duration,
        "warmup_s": 0,
        "max_connections": max_connections,
        "drain_s": 5,
        "streams": [{"name": "s", "rate": rate, "requests": [request]}],
    }


async def test_a_wait_for_a_connection_counts_from_the_due_time():
    # 20 requests due 20 ms apart over one connection answering each after 50 ms: request
    # i is answered >= (i + 1) x 50 ms after the first went out, though due at i x 20 ms.
    # A closed loop would report ~50 ms for every one of them.
    server, port = await start_server(0.05, [])
    async with server:
        result = await openloop.run(spec(port, rate=50, duration=0.4, max_connections=1))
    stream = result["streams"]["s"]
    assert stream["due"] == stream["answered"] == 20
    assert stream["errors"] == {"status": 0, "connection": 0, "timeout": 0}
    assert stream["latency"]["max_ms"] >= 600  # the last: due at 380 ms, answered >= 1,000 ms
    assert stream["latency"]["p50_ms"] >= 300  # the 10th: due at 180 ms, answered >= 500 ms
    assert result["peak_connections"] == 1 and result["peak_waiting"] >= 10


async def test_each_body_is_numbered_and_every_request_is_answered():
    bodies: list[bytes] = []
    server, port = await start_server(0, bodies)
    async with server:
        result = await openloop.run(spec(port, rate=200, duration=0.25, max_connections=8, body='{"n":{n}}'))
    stream = result["streams"]["s"]
    assert stream["due"] == stream["answered"] == 50
    assert sorted(bodies) == sorted(f'{{"n":{n}}}'.encode() for n in range(50))
    assert stream["statuses"] == {"200": 50}


async def test_refused_connections_are_errors_with_their_latency():
    server, port = await start_server(0, [])
    server.close()
    await server.wait_closed()
    result = await openloop.run(spec(port, rate=100, duration=0.2, max_connections=4))
    stream = result["streams"]["s"]
    assert stream["answered"] == 0
    assert stream["errors"]["connection"] == stream["due"] == 20
    assert stream["latency"]["count"] == 20
