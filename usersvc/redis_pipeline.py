"""Redis commands over one pipelined connection per process (edge and worker alike).

redis-py gives each command a connection from its pool, checks it, writes the command alone
and waits for its reply. In a cached read's profile that path was about a fifth of the
edge's CPU, for one script call per request. Here every call made while the writer was busy
or asleep goes out in one write, and one reader hands the replies back in the order the
calls were made (Redis answers each connection in order).

A Redis that stops answering (rather than refusing) fails the calls waiting on it after
REPLY_TIMEOUT_SECONDS, as a lost connection does, so no request hangs on it.

Used by the edge's gate (one script call per request) and the workers' cache writes (a few
commands after each commit). Only a single Redis server: on a Redis Cluster both keep
redis-py's own client, since their keys are spread over nodes on purpose.
"""

import asyncio
import contextlib
import hashlib
import math
from collections import deque
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError, NoScriptError, ResponseError
from redis.retry import Retry

# A healthy Redis answers in milliseconds; a call unanswered this long means it is stuck.
REPLY_TIMEOUT_SECONDS = 2.0


def resp_command(args: Sequence[Any]) -> bytes:
    """A command in Redis' wire format (RESP): each argument as bytes, str or a number. By
    hand, as redis-py's general packer costs several times more (docs/scaling.md)."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        value = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(value), value))
    return b"".join(parts)


class PipelinedScript:
    """Called like redis-py's registered scripts: `await script(keys=[...], args=[...])`."""

    def __init__(self, pipeline: "RedisPipeline", source: str) -> None:
        self.pipeline = pipeline
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, *, keys: Sequence[str], args: Sequence[Any]) -> Any:
        try:
            return await self.pipeline.call("EVALSHA", self.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed Redis: load it, then run it
            await self.pipeline.call("SCRIPT", "LOAD", self.source)
            return await self.pipeline.call("EVALSHA", self.sha, len(keys), *keys, *args)


class RedisPipeline:
    def __init__(self, redis: Redis, *, reply_timeout: float = REPLY_TIMEOUT_SECONDS) -> None:
        # The client's pool builds the connection, so REDIS_URL means what it means elsewhere
        # (credentials, database, TLS, timeouts).
        self._pool = redis.connection_pool
        self._connection: AbstractConnection | None = None
        self._connecting: asyncio.Task | None = None
        self._outgoing: list[bytes] = []
        self._waiting: deque[tuple[asyncio.Future, float]] = deque()  # and when each was asked
        self._reply_timeout = reply_timeout
        self._wake_writer = asyncio.Event()
        self._running: asyncio.Task | None = None

    def register_script(self, source: str) -> PipelinedScript:
        return PipelinedScript(self, source)

    async def call(self, *args: Any) -> Any:
        """One command's reply; a Redis error reply is raised, a lost connection raises
        redis' ConnectionError (the next call connects again). The edge's per-request path:
        _send for one command, without its lists."""
        while self._connection is None:
            await self._connect()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._outgoing.append(resp_command(args))
        self._waiting.append((future, loop.time()))
        self._wake_writer.set()
        return await future

    async def call_all(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Several commands, sent together; their replies in order. Raises the first error
        reply, once every reply is in (each command still ran)."""
        replies = await asyncio.gather(*await self._send(commands), return_exceptions=True)
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
        return replies

    async def _send(self, commands: Sequence[Sequence[Any]]) -> list[asyncio.Future]:
        while self._connection is None:
            await self._connect()
        loop = asyncio.get_running_loop()
        asked = loop.time()
        futures = [loop.create_future() for _ in commands]
        self._outgoing.extend(resp_command(args) for args in commands)
        self._waiting.extend((future, asked) for future in futures)
        self._wake_writer.set()
        return futures

    async def _connect(self) -> None:
        """Calls that find no connection wait for one attempt together, and share its failure:
        during an outage each request fails after one refused connect, not after a queue of them."""
        if self._connecting is None:
            self._connecting = asyncio.create_task(self._open())
            self._connecting.add_done_callback(self._forget_attempt)
        await asyncio.shield(self._connecting)

    def _forget_attempt(self, attempt: asyncio.Task) -> None:
        self._connecting = None
        if not attempt.cancelled():
            attempt.exception()  # its callers have it

    async def _open(self) -> None:
        connection = self._pool.make_connection()
        connection.retry = Retry(NoBackoff(), 0)  # one attempt; the next request makes the next
        try:
            await asyncio.wait_for(connection.connect(), self._reply_timeout)
        except TimeoutError:
            await connection.disconnect(nowait=True)
            raise ConnectionError(f"Redis did not answer within {self._reply_timeout} s") from None
        self._connection = connection
        self._running = asyncio.create_task(self._serve(connection))

    async def _serve(self, connection: AbstractConnection) -> None:
        """Write and read until either fails; then every call still waiting fails, and the
        next call opens a new connection."""
        tasks = [
            asyncio.create_task(self._write(connection)),
            asyncio.create_task(self._read(connection)),
            asyncio.create_task(self._watch()),
        ]
        error: BaseException | None = None
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            error = next(iter(done)).exception()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)  # the other's failure is this one's
            self._connection = None
            self._outgoing = []
            waiting, self._waiting = self._waiting, deque()
            for future, _ in waiting:
                if not future.done():
                    future.set_exception(ConnectionError(f"Redis connection lost: {error!r}"))
            with contextlib.suppress(Exception):
                await connection.disconnect(nowait=True)

    async def _write(self, connection: AbstractConnection) -> None:
        while True:
            await self._wake_writer.wait()
            self._wake_writer.clear()
            chunks, self._outgoing = self._outgoing, []
            if chunks:
                await connection.send_packed_command(chunks, check_health=False)

    async def _read(self, connection: AbstractConnection) -> None:
        while True:
            try:
                reply = await connection.read_response(timeout=math.inf)  # idle is no error here
            except ResponseError as error:  # the command's own error reply; the connection is fine
                reply = error
            future, _ = self._waiting.popleft()
            if future.done():  # its caller was cancelled
                continue
            if isinstance(reply, ResponseError):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._reply_timeout / 4)
            if self._waiting and loop.time() - self._waiting[0][1] > self._reply_timeout:
                raise TimeoutError(f"Redis did not answer within {self._reply_timeout} s")

    async def aclose(self) -> None:
        if self._running is not None:
            self._running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running
