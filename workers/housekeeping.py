"""Pruning what only matters for a while: idempotency records and published events."""

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from usersvc.workers.models import OutboxEvent, ProcessedCommand

log = logging.getLogger(__name__)
PRUNE_INTERVAL_SECONDS = 3600
# A redelivery or a client retry with the same Idempotency-Key comes within minutes; a week is ample.
PROCESSED_COMMAND_RETENTION = timedelta(days=7)
PUBLISHED_EVENT_RETENTION = timedelta(days=1)


async def prune_once(*, now: datetime) -> tuple[int, int]:
    commands = await ProcessedCommand.filter(created_at__lt=now - PROCESSED_COMMAND_RETENTION).delete()
    events = await OutboxEvent.filter(published_at__lt=now - PUBLISHED_EVENT_RETENTION).delete()
    return commands, events


async def prune_forever() -> None:
    while True:
        try:
            commands, events = await prune_once(now=datetime.now(timezone.utc))
            if commands or events:
                log.info("pruned %s processed commands and %s published events", commands, events)
        except Exception:
            log.exception("pruning failed")
        await asyncio.sleep(PRUNE_INTERVAL_SECONDS)
