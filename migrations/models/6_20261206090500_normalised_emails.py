import json

from tortoise import BaseDBAsyncClient

from usersvc.domain.identifiers import email_form

RUN_IN_TRANSACTION = True

# Each changed address is recorded in the audit trail like any other change of a user.
AUDIT = """
    INSERT INTO "audit_logs" ("actor_type", "actor_id", "action", "entity_type", "entity_id",
                              "old_values", "new_values", "created_at")
    VALUES ('service', 'migration', 'user.email_normalised', 'user', $1, $2, $3, now())"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Emails are stored in one normalised form (usersvc/domain/identifiers.py: the local part
    # NFKC case-folded, the domain IDNA-normalised), so the unique index on "email" also
    # keeps look-alikes apart. Existing addresses are rewritten to it, oldest account first;
    # a later account whose address normalises to one already taken, or is no longer valid,
    # keeps its address as it was (and signs in by username), so nothing is lost.
    rows = await db.execute_query_dict('SELECT "id", "email" FROM "users" ORDER BY "created_at", "id"')
    taken = {row["email"] for row in rows}
    for row in rows:
        try:
            normalised = email_form(row["email"])
        except ValueError:
            continue
        if normalised == row["email"] or normalised in taken:
            continue
        await db.execute_query('UPDATE "users" SET "email" = $1 WHERE "id" = $2', [normalised, row["id"]])
        await db.execute_query(
            AUDIT, [str(row["id"]), json.dumps({"email": row["email"]}), json.dumps({"email": normalised})]
        )
        taken.add(normalised)
    return """
        COMMENT ON COLUMN "users"."email" IS 'stored normalised: local part NFKC case-folded, domain IDNA';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        COMMENT ON COLUMN "users"."email" IS 'stored lower-cased';"""
