"""Batching per-user reads of one request: every `User.sessions` asked while a page of users
resolves goes out as one `session.list_of_users` command per 100 users, not one per user,
and every `User.auditEntries` as one `audit.list_of_entities` (per 100 users and `first`).

Resolvers of a list's items start in the same turn of the event loop; each asks its key and
waits. The first ask schedules the batch for the end of that turn (call_soon), so it holds
every key asked meanwhile."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

BatchLoad = Callable[[list[Any]], Awaitable[dict]]


class BatchLoader:
    def __init__(self, load_many: BatchLoad, *, max_batch: int) -> None:
        self._load_many = load_many
        self._max_batch = max_batch
        self._pending: dict[Hashable, asyncio.Future] = {}
        self._done: dict[Hashable, asyncio.Future] = {}
        self._batches: set[asyncio.Task] = set()  # referenced while they run

    def load(self, key: Hashable) -> asyncio.Future:
        """The value of `key` (one ask per key and request: asked again, the same future)."""
        known = self._done.get(key) or self._pending.get(key)
        if known is not None:
            return known
        loop = asyncio.get_running_loop()
        if not self._pending:
            loop.call_soon(self._dispatch)
        future = self._pending[key] = loop.create_future()
        return future

    def _dispatch(self) -> None:
        pending, self._pending = self._pending, {}
        self._done.update(pending)
        keys = list(pending)
        for start in range(0, len(keys), self._max_batch):
            batch = {key: pending[key] for key in keys[start : start + self._max_batch]}
            task = asyncio.ensure_future(self._run(batch))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _run(self, batch: dict[Hashable, asyncio.Future]) -> None:
        try:
            values = await self._load_many(list(batch))
        except Exception as error:  # every waiter of the batch gets the refusal
            for future in batch.values():
                if not future.done():
                    future.set_exception(error)
            return
        for key, future in batch.items():
            if not future.done():
                future.set_result(values.get(key))
