"""Shared runs of slow work: SharedResult for one check (callers arriving while it runs, or
within `max_age` seconds after, get its result); SingleFlight for work by key (concurrent
callers with one key share the run in flight, e.g. one fill per cache miss)."""

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedResult(Generic[T]):
    def __init__(self, run: Callable[[], Awaitable[T]], *, max_age: float) -> None:
        self._run = run
        self._max_age = max_age
        self._task: asyncio.Task[T] | None = None
        self._finished_at = -math.inf

    async def get(self) -> T:
        loop = asyncio.get_running_loop()
        if self._task is None or (self._task.done() and loop.time() - self._finished_at >= self._max_age):
            self._task = loop.create_task(self._timed_run(loop))
        # shield: a caller that goes away (client disconnect) does not cancel the others' run.
        return await asyncio.shield(self._task)

    async def _timed_run(self, loop: asyncio.AbstractEventLoop) -> T:
        try:
            return await self._run()
        finally:
            self._finished_at = loop.time()


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[T]] = {}

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(work())  # type: ignore[arg-type]
            self._running[key] = task
            task.add_done_callback(lambda _: self._running.pop(key, None))
        return await asyncio.shield(task)
