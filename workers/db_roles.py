"""The runtime database role (docs/api.md, "Data"): `usersvc migrate` creates it and grants it only
what the workers need, so the running service cannot rewrite the audit trail."""

import base64
import getpass
import hashlib
import hmac
import logging
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

log = logging.getLogger(__name__)

# Per table; any other table of the schema gets FULL_ACCESS. None: no access at all.
TABLE_PRIVILEGES = {
    "audit_logs": "SELECT, INSERT",  # append-only: never UPDATE, DELETE or TRUNCATE
    "aerich": None,  # migration history, the owner's business
    # Workers sign with the current key; only `usersvc migrate` and `usersvc keys` (the owner)
    # add, retire or revoke keys, so a compromised worker cannot bring a revoked key back.
    "signing_keys": "SELECT",
}
FULL_ACCESS = "SELECT, INSERT, UPDATE, DELETE"

TABLES_SQL = """
SELECT relname AS name, quote_ident(relname) AS quoted FROM pg_class
WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')"""
# Sequences of serial/identity columns, with the table they feed.
SEQUENCES_SQL = """
SELECT quote_ident(s.relname) AS quoted, t.relname AS table_name FROM pg_class s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace"""


def worker_credentials(url: str) -> tuple[str, str | None, str]:
    """Role, password and database the workers connect with, read as Tortoise reads the URL
    (it does not percent-decode the user); no user: asyncpg's default, as libpq's."""
    credentials = expand_db_url(url)["credentials"]
    role = credentials["user"] or os.environ.get("PGUSER") or getpass.getuser()
    return role, credentials["password"] or None, credentials["database"]


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = 4096) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password, computed here (as psql's
    \\password does) so the clear password never reaches the server's statement log or
    pg_stat_statements. Printable ASCII only: SASLprep leaves it unchanged."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return f"SCRAM-SHA-256${iterations}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _stored_password(password: str) -> str:
    printable_ascii = password.isascii() and password.isprintable()
    return scram_verifier(password) if printable_ascii else password  # else the server hashes it


async def _connect(url: str, *, database: str | None = None) -> asyncpg.Connection:
    parts = urlsplit(url)._replace(scheme="postgresql")
    return await asyncpg.connect(urlunsplit(parts._replace(path=f"/{database}") if database else parts))


async def grant_runtime_role(owner_url: str, *, runtime_url: str) -> None:
    """Create the role DATABASE_URL names if missing and (re)grant its privileges; nothing
    to do when it is the owner's. Run on every migrate, so later tables are covered."""
    role, password, database = worker_credentials(runtime_url)
    if database != worker_credentials(owner_url)[2]:
        raise SystemExit(
            "usersvc: configuration error: DATABASE_URL and MIGRATION_DATABASE_URL name different databases"
        )
    connection = await _connect(owner_url)
    try:
        if role == await connection.fetchval("SELECT current_user"):
            return
        async with connection.transaction():  # the running service never sees half the grants
            await _ensure_role(connection, role, password=password)
            await _grant(connection, role)
    except asyncpg.InsufficientPrivilegeError as error:
        raise SystemExit(
            f"usersvc: MIGRATION_DATABASE_URL: its role may not manage the role of DATABASE_URL: {error}"
        ) from None
    finally:
        await connection.close()


async def _ensure_role(connection: asyncpg.Connection, role: str, *, password: str | None) -> None:
    quoted = await connection.fetchval("SELECT quote_ident($1)", role)
    existing = await connection.fetchrow("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = $1", role)
    if existing is None:
        await connection.execute(f"CREATE ROLE {quoted} LOGIN")
        log.info("created database role %s", role)
    elif existing["rolsuper"] or existing["rolcreaterole"]:
        # Not demoted here: it may be someone's admin. Production workers refuse it.
        log.warning("DATABASE_URL names role %s, a superuser or CREATEROLE role", role)
    if password is not None:
        literal = await connection.fetchval("SELECT quote_literal($1)", _stored_password(password))
        await connection.execute(f"ALTER ROLE {quoted} PASSWORD {literal}")


async def _grant(connection: asyncpg.Connection, role: str) -> None:
    quoted_role, database, schema = await connection.fetchrow(
        "SELECT quote_ident($1), quote_ident(current_database()), quote_ident(current_schema())", role
    )
    statements = [
        # Start from nothing, so privileges dropped from this list are taken back too.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {quoted_role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {quoted_role}",
        f"REVOKE ALL ON SCHEMA {schema} FROM {quoted_role}",
        f"REVOKE ALL ON DATABASE {database} FROM {quoted_role}",
        # Every role inherits PUBLIC's: no temporary tables, no new objects in the schema
        # (PostgreSQL 15 no longer grants CREATE there; older clusters and templates may).
        f"REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {database} TO {quoted_role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted_role}",
    ]
    granted = set()
    for table in await connection.fetch(TABLES_SQL):
        privileges = TABLE_PRIVILEGES.get(table["name"], FULL_ACCESS)
        if privileges:
            granted.add(table["name"])
            statements.append(f"GRANT {privileges} ON TABLE {schema}.{table['quoted']} TO {quoted_role}")
    for sequence in await connection.fetch(SEQUENCES_SQL):
        if sequence["table_name"] in granted:  # nextval() for inserts; nothing more
            statements.append(f"GRANT USAGE ON SEQUENCE {schema}.{sequence['quoted']} TO {quoted_role}")
    for statement in statements:
        await connection.execute(statement)
    log.info("granted database role %s access to %s table(s)", role, len(granted))


async def drop_role(owner_url: str, *, role: str) -> None:
    """For tests' clean-up: after its database is dropped, the role holds nothing more."""
    connection = await _connect(owner_url, database="postgres")
    try:
        quoted = await connection.fetchval("SELECT quote_ident($1)", role)
        await connection.execute(f"DROP ROLE IF EXISTS {quoted}")
    finally:
        await connection.close()
