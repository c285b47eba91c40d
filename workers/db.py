"""Database configuration, creation of a missing database, and migrations (aerich)."""

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

log = logging.getLogger(__name__)
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/usersvc"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


async def _keep_session_state(connection: asyncpg.Connection) -> None:
    """Pool release without asyncpg's default RESET ALL/UNLISTEN round trip: no code here
    changes session state, and that query cost one round trip per ORM query."""


def tortoise_config(database_url: str, *, pool_size: int = 10) -> dict:
    connection = expand_db_url(database_url)
    connection["credentials"].update(minsize=1, maxsize=pool_size, reset=_keep_session_state)
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": ["workers.models", "aerich.models"],
                            "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by the aerich CLI ([tool.aerich] in pyproject.toml).
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


async def _maintenance_connection(database_url: str) -> tuple[asyncpg.Connection, str]:
    """A connection to the server's `postgres` database, and the name of ours."""
    parts = urlsplit(database_url)
    maintenance_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    return await asyncpg.connect(maintenance_url), parts.path.lstrip("/")


async def ensure_database(database_url: str) -> None:
    """Create the database named in the URL if it does not exist (CONTRACT §4)."""
    connection, name = await _maintenance_connection(database_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
            log.info("created database %s", name)
    finally:
        await connection.close()


async def drop_database(database_url: str) -> None:
    connection, name = await _maintenance_connection(database_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def apply_migrations(database_url: str) -> list[str]:
    from aerich import Command

    await ensure_database(database_url)
    async with Command(tortoise_config(database_url, pool_size=2), app="models",
                       location=str(MIGRATIONS_DIR)) as command:
        applied = await command.upgrade(run_in_transaction=True)
    for name in applied:
        log.info("applied migration %s", name)
    return applied
