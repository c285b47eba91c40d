"""Pruning against the real database: old records go, recent ones stay."""

from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from tests.support import database
from usersvc.workers.db import tortoise_config
from usersvc.workers.housekeeping import prune_once


async def test_prune_removes_only_expired_idempotency_records(stack):
    now = datetime.now(UTC)
    async with database(stack.database_url) as connection:
        for command_id, age in (("old-command", timedelta(days=30)), ("new-command", timedelta(minutes=1))):
            await connection.execute(
                "INSERT INTO processed_commands (id, routing_key, fingerprint, created_at) VALUES ($1, 'x', 'f', $2)",
                command_id,
                now - age,
            )
        await Tortoise.init(config=tortoise_config(stack.database_url, pool_size=1))
        try:
            await prune_once(now=now)  # a worker starting meanwhile may prune too: same code
        finally:
            await Tortoise.close_connections()
        left = {
            row["id"]
            for row in await connection.fetch(
                "SELECT id FROM processed_commands WHERE id IN ('old-command', 'new-command')"
            )
        }
    assert left == {"new-command"}
