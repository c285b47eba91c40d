"""Workers refuse, in production, a database role that could switch the audit trigger off
(docs/api.md, "Data"): a superuser, a CREATEROLE role (it can make itself a member of the owner),
or the owner of a table of the schema."""

import logging
import os
from typing import NoReturn

from tortoise import connections

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
