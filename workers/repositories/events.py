"""Outbox events in the database after their commit: marked published, and the ones left
behind claimed by the relay (workers/outbox.py publishes them; the unit of work writes them)."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from usersvc.workers.models import OutboxEvent

RELAY_BATCH = 100


async def mark_published(event_ids: list[uuid.UUID], *, at: datetime) -> None:
    await OutboxEvent.filter(id__in=event_ids).update(published_at=at)


async def relay_stale(send: Callable[[OutboxEvent], Awaitable[None]], *, older_than: datetime) -> int:
    """Events unpublished since before `older_than`, locked (other workers skip them), each
    sent and marked in one transaction; how many."""
    async with in_transaction() as connection:
        stale = await (
            OutboxEvent.filter(published_at=None, created_at__lt=older_than)
            .order_by("created_at")
            .limit(RELAY_BATCH)
            .select_for_update(skip_locked=True)
            .using_db(connection)
        )
        for event in stale:
            await send(event)
            event.published_at = datetime.now(UTC)
            await event.save(update_fields=["published_at"], using_db=connection)
    return len(stale)
