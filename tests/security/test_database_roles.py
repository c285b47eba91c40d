"""The running service's database role cannot rewrite the audit trail (docs/api.md, "Data").

Every attack runs as the runtime role (the stack's DATABASE_URL) inside a transaction that is
rolled back, so an attack that wrongly succeeds still leaves the shared stack intact.
"""

import base64
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.support import database
from usersvc.workers.db_roles import grant_runtime_role, scram_verifier


async def attempt(url: str, statement: str) -> asyncpg.PostgresError | None:
    """The error `statement` raises, None if it succeeds; rolled back either way."""
    connection = await asyncpg.connect(url)
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(statement)
    except asyncpg.PostgresError as error:
        return error
    finally:
        await transaction.rollback()
        await connection.close()
    return None


ATTACKS = [
    "SET session_replication_role = replica",  # skips every trigger; superuser only
    "ALTER TABLE audit_logs DISABLE TRIGGER ALL",
    "ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_no_update_delete",
    "UPDATE audit_logs SET action = 'forged'",
    "DELETE FROM audit_logs",
    "TRUNCATE audit_logs",
    "DROP TABLE audit_logs CASCADE",
    "ALTER TABLE audit_logs RENAME TO audit_logs_old",
    "CREATE TABLE audit_logs_copy (id bigint)",
    "CREATE TEMPORARY TABLE scratch (id bigint)",
    "CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN NEW; END $$",
    "SET ROLE postgres",
    "ALTER ROLE CURRENT_USER CREATEROLE",
    "SELECT * FROM aerich",
]


@pytest.mark.parametrize("statement", ATTACKS)
async def test_the_runtime_role_is_refused(stack, statement):
    error = await attempt(stack.database_url, statement)
    assert isinstance(error, asyncpg.InsufficientPrivilegeError), f"{statement!r} -> {error!r}"
    # Refused by its privileges, not by the audit trigger (which only stops row changes).
    assert "append-only" not in str(error)


async def test_the_runtime_role_is_no_superuser_and_owns_nothing(stack):
    async with database(stack.database_url) as connection:
        role = await connection.fetchrow(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = current_user"
        )
        owned = await connection.fetch("SELECT relname FROM pg_class WHERE pg_has_role(relowner, 'MEMBER')")
        owned_tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE pg_has_role(tableowner, 'MEMBER')")
    assert role["rolname"].endswith("_app")
    assert not any(
        role[name] for name in ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls")
    )
    assert owned == [] and owned_tables == []


TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


async def test_the_runtime_role_has_exactly_the_service_grants(stack):
    async with database(stack.database_url) as connection:
        rows = await connection.fetch(
            "SELECT tablename, privilege FROM pg_tables, unnest($1::text[]) AS privilege "
            "WHERE schemaname = 'public' AND has_table_privilege(current_user, "
            "quote_ident(tablename), privilege)",
            list(TABLE_PRIVILEGES),
        )
        sequences = await connection.fetch(
            "SELECT relname, array(SELECT privilege FROM unnest($1::text[]) AS privilege "
            "WHERE has_sequence_privilege(current_user, oid, privilege)) AS privileges "
            "FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace",
            ["USAGE", "SELECT", "UPDATE"],
        )
    granted: dict[str, set[str]] = {}
    for row in rows:
        granted.setdefault(row["tablename"], set()).add(row["privilege"])
    dml = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert granted.pop("audit_logs") == {"SELECT", "INSERT"}
    assert granted.pop("signing_keys") == {"SELECT"}  # keys change only through `usersvc keys` (the owner)
    assert "aerich" not in granted
    assert {"users", "user_sessions", "processed_commands", "outbox_events"} <= set(granted)
    assert all(privileges == dml for privileges in granted.values())  # later tables too, never more
    assert {row["relname"]: row["privileges"] for row in sequences} == {
        "audit_logs_id_seq": ["USAGE"],
        "analytics_days_id_seq": ["USAGE"],
        "analytics_active_users_id_seq": ["USAGE"],
        "aerich_id_seq": [],
    }  # nextval() for inserts only


@pytest.fixture
async def table_owner_url(stack):
    """A plain login role that owns one table of the database: it could disable its triggers."""
    role = f"usersvc_probe_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(stack.owner_database_url)
    try:
        await owner.execute(
            f"CREATE ROLE {role} LOGIN; CREATE TABLE {role}_table (id int); ALTER TABLE {role}_table OWNER TO {role}"
        )
        yield stack.owner_database_url.replace("//postgres@", f"//{role}@", 1)
    finally:
        await owner.execute(f"DROP TABLE IF EXISTS {role}_table; DROP ROLE IF EXISTS {role}")
        await owner.close()


def run_production_worker(stack, *, database_url: str) -> tuple[int, str]:
    env = {**stack.env, "ENVIRONMENT": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": database_url}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "usersvc.cli", "worker"], env=env, capture_output=True, text=True, timeout=40
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a production worker connected with a privileged database role kept running")
    return result.returncode, result.stdout + result.stderr


def test_a_production_worker_refuses_a_superuser(stack):
    code, output = run_production_worker(stack, database_url=stack.owner_database_url)
    assert code != 0, output
    [line] = [line for line in output.splitlines() if "DATABASE_URL" in line]
    assert "CRITICAL" in line and "role postgres, a superuser" in line
    assert "Traceback" not in output


def test_a_production_worker_refuses_a_table_owner(stack, table_owner_url):
    code, output = run_production_worker(stack, database_url=table_owner_url)
    assert code != 0, output
    [line] = [line for line in output.splitlines() if "DATABASE_URL" in line]
    assert "CRITICAL" in line and "the owner of usersvc_probe_" in line
    assert "Traceback" not in output


# Names and passwords come from URLs: they must reach PostgreSQL as data, never as SQL.
HOSTILE_ROLE = 'usersvc_t" LOGIN; DROP ROLE usersvc_canary; --'
HOSTILE_PASSWORDS = [
    "pw'; ALTER ROLE usersvc_canary SUPERUSER; --",  # hashed here (ASCII)
    "pä'; ALTER ROLE usersvc_canary SUPERUSER; --",
]  # sent as a quoted literal


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS)
async def test_hostile_role_names_and_passwords_stay_data(stack, password):
    database_path = urlsplit(stack.owner_database_url).path
    runtime_url = f"postgres://{HOSTILE_ROLE}:{password}@127.0.0.1:5432{database_path}"
    owner = await asyncpg.connect(stack.owner_database_url)
    try:
        await owner.execute("DROP ROLE IF EXISTS usersvc_canary; CREATE ROLE usersvc_canary")
        await grant_runtime_role(stack.owner_database_url, runtime_url=runtime_url)
        role = await owner.fetchrow("SELECT rolsuper, rolpassword FROM pg_authid WHERE rolname = $1", HOSTILE_ROLE)
        canary = await owner.fetchrow("SELECT rolsuper FROM pg_roles WHERE rolname = 'usersvc_canary'")
    finally:
        quoted = await owner.fetchval("SELECT quote_ident($1)", HOSTILE_ROLE)
        if await owner.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", HOSTILE_ROLE):
            await owner.execute(f"DROP OWNED BY {quoted}")  # its grants in the test database
        await owner.execute(f"DROP ROLE IF EXISTS {quoted}; DROP ROLE IF EXISTS usersvc_canary")
        await owner.close()
    assert role is not None and not role["rolsuper"]
    assert role["rolpassword"].startswith("SCRAM-SHA-256$")
    assert canary is not None and not canary["rolsuper"]


async def test_the_password_verifier_is_the_one_postgresql_computes(stack):
    owner = await asyncpg.connect(stack.owner_database_url)
    try:
        await owner.execute(
            "SET password_encryption = 'scram-sha-256'; DROP ROLE IF EXISTS usersvc_scram_probe; "
            "CREATE ROLE usersvc_scram_probe PASSWORD 'S3cret pass!'"
        )
        stored = await owner.fetchval("SELECT rolpassword FROM pg_authid WHERE rolname = 'usersvc_scram_probe'")
    finally:
        await owner.execute("DROP ROLE IF EXISTS usersvc_scram_probe")
        await owner.close()
    iterations, salt = stored.split("$")[1].split(":")
    assert scram_verifier("S3cret pass!", salt=base64.b64decode(salt), iterations=int(iterations)) == stored
