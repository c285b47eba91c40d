"""The identifier migration rewrites stored emails to their normalised form: audited, and an address whose
form another account already holds is left as it was rather than merged or lost."""

import importlib.util
import json
import uuid
from pathlib import Path

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from tests.support import database
from usersvc.workers.db import tortoise_config

MIGRATION = next((Path(__file__).resolve().parents[2] / "migrations" / "models").glob("*_normalised_emails.py"))
INSERT = """
    INSERT INTO "users" ("id", "username", "email", "password_hash", "first_name", "last_name", "role",
                         "is_active", "email_verified", "created_at", "updated_at")
    VALUES ($1, $2, $3, 'x', 'Old', 'Row', 'user', TRUE, FALSE, now() - make_interval(days => $4), now())"""


async def _run_migration(owner_url: str) -> None:
    spec = importlib.util.spec_from_file_location("normalised_emails", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    await Tortoise.init(config=tortoise_config(owner_url, pool_size=1))
    try:
        async with in_transaction() as connection:
            await connection.execute_script(await module.upgrade(connection))
    finally:
        await Tortoise.close_connections()


async def test_stored_emails_are_rewritten_to_their_normalised_form(stack):
    tag = uuid.uuid4().hex[:8]
    rows = {  # username: (stored before, days old)
        f"fw_{tag}": (f"ｆｗ_{tag}@example.com", 3),  # full-width, alone: normalised
        f"old_{tag}": (f"ｄｕｐ_{tag}@example.com", 2),  # its form is taken by the plain one
        f"plain_{tag}": (f"dup_{tag}@example.com", 1),
    }
    async with database(stack.owner_database_url) as connection:
        for username, (email, age) in rows.items():
            await connection.execute(INSERT, uuid.uuid4(), username, email, age)
        await _run_migration(stack.owner_database_url)
        stored = dict(
            await connection.fetch('SELECT "username", "email" FROM "users" WHERE "username" = ANY($1)', list(rows))
        )
        audit = await connection.fetch(
            """SELECT "old_values", "new_values" FROM "audit_logs" WHERE "action" = 'user.email_normalised'
               AND "new_values"->>'email' LIKE $1""",
            f"%{tag}%",
        )
    assert stored == {
        f"fw_{tag}": f"fw_{tag}@example.com",
        f"old_{tag}": f"ｄｕｐ_{tag}@example.com",
        f"plain_{tag}": f"dup_{tag}@example.com",
    }
    assert [(json.loads(row["old_values"]), json.loads(row["new_values"])) for row in audit] == [
        ({"email": f"ｆｗ_{tag}@example.com"}, {"email": f"fw_{tag}@example.com"})
    ]
