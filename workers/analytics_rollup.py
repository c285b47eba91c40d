"""The analytics roll-up, in every worker (one pass at a time across them: the lock in
workers/repositories/analytics.py): queued audit rows into the daily counts every couple of
seconds, and the totals as Prometheus gauges now and then."""

import asyncio
import logging
import time
from datetime import UTC, datetime

from usersvc.workers.metrics import ANALYTICS_TOTALS, LIVE_SESSIONS
from usersvc.workers.repositories.analytics import ROLL_UP_BATCH, live_sessions, roll_up_once, totals

log = logging.getLogger(__name__)
# With the edge's cache (edge/routes/analytics.py), figures are at most ~5 s behind.
ROLL_UP_INTERVAL_SECONDS = 2
GAUGES_INTERVAL_SECONDS = 30


async def roll_up_pending() -> int:
    """Passes until the queue is empty (or another worker holds it): rows counted."""
    counted = 0
    while True:
        rows = await roll_up_once()
        counted += rows or 0
        if rows is None or rows < ROLL_UP_BATCH:
            return counted


async def set_gauges() -> None:
    for name, value in (await totals(None, datetime.now(UTC).date())).items():
        ANALYTICS_TOTALS.labels(name).set(value)
    sessions = await live_sessions()
    for kind in ("api", "browser", "grant"):
        LIVE_SESSIONS.labels(kind).set(sessions.get(kind, 0))


async def roll_up_forever() -> None:
    gauges_due = 0.0
    while True:
        try:
            await roll_up_pending()
            if time.monotonic() >= gauges_due:
                await set_gauges()
                gauges_due = time.monotonic() + GAUGES_INTERVAL_SECONDS
        except Exception:
            log.exception("analytics roll-up failed; retrying")
        await asyncio.sleep(ROLL_UP_INTERVAL_SECONDS)
