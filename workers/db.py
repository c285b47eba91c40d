"""Database configuration, creation of a missing database, and migrations (aerich)."""

import logging
import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from usersvc.settings import Settings
from usersvc.workers.db_roles import grant_runtime_role

log = logging.getLogger(__name__)
# A database that restarts, or ends a connection, fails commands with these until the pool has
# new connections: a caller gets 503 and retries (workers/middleware.py). asyncpg raises them
# itself (not wrapped by Tortoise) when the pool opens a connection: "the database system is
# shutting down" (57P03), and a server that ends a connection is 57P01 (admin shutdown) or
# 57P02 (crash). A pooled connection the server ended mid-command can then fail its next use
# with asyncpg's InternalClientError ("cannot switch to state …; another operation is in progress").
DATABASE_OUTAGES = (
    DBConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InternalClientError,
)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


async def _keep_session_state(connection: asyncpg.Connection) -> None:
    """Pool release without asyncpg's default RESET ALL/UNLISTEN round trip: no code here
    changes session state, and that query cost one round trip per ORM query."""


def _tls_for_asyncpg(credentials: dict) -> None:
    """libpq's `sslmode`/`sslrootcert` URL parameters, as asyncpg's pool takes them (`ssl`)."""
    mode, root_certificate = credentials.pop("sslmode", None), credentials.pop("sslrootcert", None)
    if mode is None:
        return
    if root_certificate and mode in ("verify-ca", "verify-full"):
        context = ssl.create_default_context(cafile=root_certificate)
        context.check_hostname = mode == "verify-full"
        credentials["ssl"] = context
    else:
        credentials["ssl"] = mode


def tortoise_config(database_url: str, *, pool_size: int = 10) -> dict:
    connection = expand_db_url(database_url)
    _tls_for_asyncpg(connection["credentials"])
    connection["credentials"].update(minsize=1, maxsize=pool_size, reset=_keep_session_state)
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": ["usersvc.workers.models", "aerich.models"], "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(database_url: str, *, pool_size: int) -> None:
    """The worker's pool, at start-up (workers/app.py); close_database at shutdown."""
    await Tortoise.init(config=tortoise_config(database_url, pool_size=pool_size))


async def close_database() -> None:
    await Tortoise.close_connections()


@asynccontextmanager
async def connected(database_url: str, *, pool_size: int = 2) -> AsyncIterator[None]:
    """The ORM on `database_url` for a command-line operation's while (bootstrap admin,
    import, key operations); the worker opens its own at start-up (workers/app.py)."""
    await Tortoise.init(config=tortoise_config(database_url, pool_size=pool_size))
    try:
        yield
    finally:
        await Tortoise.close_connections()


def __getattr__(name: str) -> dict:
    """`TORTOISE_ORM`, for the aerich CLI only ([tool.aerich] in pyproject.toml), built when
    aerich asks for it, not at import: the schema owner's URL, as `usersvc migrate` uses."""
    if name != "TORTOISE_ORM":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    default = Settings.model_fields["database_url"].default
    return tortoise_config(os.environ.get("MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL", default))


def maintenance_url(database_url: str) -> str:
    """The same server's `postgres` database, which exists before ours does."""
    return urlunsplit(urlsplit(database_url)._replace(scheme="postgresql", path="/postgres", query=""))


async def _maintenance_connection(database_url: str) -> tuple[asyncpg.Connection, str]:
    """A connection to the server's `postgres` database, and the name of ours."""
    return await asyncpg.connect(maintenance_url(database_url)), urlsplit(database_url).path.lstrip("/")


def _quoted(identifier: str) -> str:
    """An SQL identifier, quoted: a database name from a URL cannot inject SQL."""
    return '"' + identifier.replace('"', '""') + '"'


async def ensure_database(database_url: str) -> None:
    """Create the database named in the URL if it does not exist (docs/configuration.md)."""
    connection, name = await _maintenance_connection(database_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f"CREATE DATABASE {_quoted(name)}")
            log.info("created database %s", name)
    finally:
        await connection.close()


async def drop_database(database_url: str) -> None:
    connection, name = await _maintenance_connection(database_url)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
    finally:
        await connection.close()


async def apply_migrations(owner_url: str, *, runtime_url: str | None = None) -> list[str]:
    """As the schema owner: create the database, migrate, then (re)grant the runtime role
    that `runtime_url` names (docs/api.md, "Data")."""
    from aerich import Command

    await ensure_database(owner_url)
    async with Command(tortoise_config(owner_url, pool_size=2), app="models", location=str(MIGRATIONS_DIR)) as command:
        applied = await command.upgrade(run_in_transaction=True)
    for name in applied:
        log.info("applied migration %s", name)
    if runtime_url is not None:
        await grant_runtime_role(owner_url, runtime_url=runtime_url)
    return applied
