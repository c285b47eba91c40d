"""Pruning what only matters for a while, every hour (the rows and their retention:
workers/repositories/housekeeping.py)."""

import asyncio
import logging
from datetime import UTC, datetime

from usersvc.workers.repositories.housekeeping import prune_once

log = logging.getLogger(__name__)
PRUNE_INTERVAL_SECONDS = 3600
__all__ = ["prune_forever", "prune_once"]


async def prune_forever() -> None:
    while True:
        try:
            commands, events = await prune_once(now=datetime.now(UTC))
            if commands or events:
                log.info("pruned %s processed commands and %s published events", commands, events)
        except Exception:
            log.exception("pruning failed")
        await asyncio.sleep(PRUNE_INTERVAL_SECONDS)
