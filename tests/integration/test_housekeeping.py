"""Pruning against the real database: old records go, recent ones stay."""

from datetime import UTC, datetime, timedelta

import asyncpg
from tortoise import Tortoise

from usersvc.workers.db import tortoise_config
from usersvc.workers.housekeeping import prune_once


async def test_prune_removes_only_expired_idempotency_records(stack):
    connection = await asyncpg.connect(stack.database_url.replace("postgres://", "postgresql://"))
    now = datetime.now(UTC)
    try:
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
    finally:
        await connection.close()
    assert left == {"new-command"}
