from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Usernames are unique case-insensitively (`Admin` and `admin` cannot both exist). Rows
    # that already collide keep the oldest as it is; the others get their id's first 8
    # characters appended (left() keeps them within 50 characters), so nothing is lost.
    return """
        UPDATE "users" SET "username" = left("username", 41) || '_' || left("id"::text, 8)
        WHERE "id" IN (
            SELECT "id" FROM (
                SELECT "id", row_number() OVER (PARTITION BY lower("username")
                                                ORDER BY "created_at", "id") AS "position"
                FROM "users") AS "ranked"
            WHERE "position" > 1);
        CREATE UNIQUE INDEX IF NOT EXISTS "users_username_lower" ON "users" (lower("username"));"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "users_username_lower";"""
