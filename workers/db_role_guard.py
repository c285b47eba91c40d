"""The worker's start-up checks of its database. In production it refuses a database role
that could switch the audit trigger off (docs/api.md, "Data"): a superuser, a CREATEROLE role
(it can make itself a member of the owner), or the owner of a table of the schema; and it
stops with one line when it could not sign a single token (require_signing_key)."""

import logging
import os
from typing import TYPE_CHECKING, NoReturn

import asyncpg
from tortoise import connections
from tortoise.exceptions import OperationalError

from usersvc.domain.errors import DomainError
from usersvc.secret_box import SecretBoxError
from usersvc.signing_keys import ID_TOKEN_ALGORITHM
from usersvc.workers.repositories.signing_keys import current_key_row

if TYPE_CHECKING:
    from usersvc.workers.signing_keys import CurrentSigningKey

log = logging.getLogger(__name__)

PRIVILEGES_SQL = """
SELECT current_user AS role, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
    (SELECT string_agg(tablename, ', ' ORDER BY tablename) FROM pg_tables
     WHERE schemaname = current_schema() AND pg_has_role(tableowner, 'MEMBER')) AS owned_tables
FROM pg_roles r WHERE r.rolname = current_user"""
# Exit code of a process stopped by its configuration (as usersvc.cli's setting errors).
CONFIGURATION_ERROR = 2


def _what_is_wrong(row: dict) -> str | None:
    if row["superuser"]:
        return "a superuser"
    if row["createrole"]:
        return "a CREATEROLE role"
    if row["owned_tables"]:
        return f"the owner of {row['owned_tables']}"
    return None


async def refuse_privileged_role(environment: str) -> None:
    """Call right after Tortoise.init. Production: one critical line and exit; else a warning."""
    [row] = await connections.get("default").execute_query_dict(PRIVILEGES_SQL)
    problem = _what_is_wrong(row)
    if problem is None:
        return
    message = (
        f"DATABASE_URL connects as role {row['role']}, {problem}; the workers must use "
        "the runtime role that `usersvc migrate` grants (MIGRATION_DATABASE_URL is the owner's)"
    )
    if environment != "production":
        log.warning("%s (refused when ENVIRONMENT=production)", message)
        return
    stop_worker(message)


def stop_worker(message: str) -> NoReturn:
    """A worker that must not run stops at start-up with one line. Not SystemExit: FastStream
    runs start-up hooks in a task group, which would wrap it in a BaseExceptionGroup and print
    a traceback."""
    logging.getLogger("usersvc.workers.startup").critical(message)
    logging.shutdown()
    os._exit(CONFIGURATION_ERROR)


async def require_signing_key(current: "CurrentSigningKey") -> None:
    """At start: a worker that could not sign a single token stops with one line instead.
    Both keys must be there: the access-token key and the ID tokens' RSA key."""
    try:
        current.open(await current_key_row(connections.get("default")))
        current.open(await current_key_row(connections.get("default"), ID_TOKEN_ALGORITHM))
        return
    except DomainError:
        problem = "a signing key is missing from the database: run `usersvc migrate` first"
    except SecretBoxError:
        problem = "SECRET_KEY cannot open the signing key: it differs from the one `usersvc migrate` used"
    except OperationalError as error:
        if not isinstance(error.__cause__, asyncpg.UndefinedTableError):
            raise
        problem = "DATABASE_URL names a database without usersvc's tables: run `usersvc migrate` first"
    stop_worker(problem)
