from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # One-time tokens (email verification, password reset) are stored only as SHA-256
    # digests. Queued mails hold a token in clear until sent, so their content is sealed
    # with SECRET_KEY and set to NULL once sent or given up.
    return """
        CREATE TABLE IF NOT EXISTS "account_tokens" (
            "id" UUID NOT NULL PRIMARY KEY,
            "purpose" VARCHAR(32) NOT NULL,
            "token_hash" VARCHAR(64) NOT NULL UNIQUE,
            "email" VARCHAR(254) NOT NULL,
            "created_at" TIMESTAMPTZ NOT NULL,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "used_at" TIMESTAMPTZ,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
        );
        CREATE INDEX IF NOT EXISTS "account_tokens_unused" ON "account_tokens" ("user_id", "purpose")
            WHERE "used_at" IS NULL;
        CREATE INDEX IF NOT EXISTS "account_tokens_expires" ON "account_tokens" ("expires_at");
        COMMENT ON COLUMN "account_tokens"."purpose" IS 'verify_email | reset_password';
        COMMENT ON COLUMN "account_tokens"."token_hash" IS 'sha256 hex of the token; the token itself is never stored';
        COMMENT ON COLUMN "account_tokens"."email" IS 'the address the token was mailed to';
        COMMENT ON COLUMN "account_tokens"."used_at" IS 'spent, or superseded by a newer token';
        COMMENT ON TABLE "account_tokens" IS 'One-time tokens mailed to users, stored as digests only';
        CREATE TABLE IF NOT EXISTS "outbox_mails" (
            "id" UUID NOT NULL PRIMARY KEY,
            "template" VARCHAR(32) NOT NULL,
            "sealed" TEXT,
            "attempts" INT NOT NULL DEFAULT 0,
            "next_attempt_at" TIMESTAMPTZ NOT NULL,
            "created_at" TIMESTAMPTZ NOT NULL,
            "sent_at" TIMESTAMPTZ,
            "failed_at" TIMESTAMPTZ
        );
        CREATE INDEX IF NOT EXISTS "outbox_mails_pending" ON "outbox_mails" ("next_attempt_at")
            WHERE "sealed" IS NOT NULL;
        COMMENT ON COLUMN "outbox_mails"."sealed" IS
            'recipient and template values, sealed with SECRET_KEY; NULL once sent or given up';
        COMMENT ON COLUMN "outbox_mails"."failed_at" IS 'given up after MAIL_MAX_ATTEMPTS';
        COMMENT ON TABLE "outbox_mails" IS
            'Mails written with their change, sent after commit (transactional outbox)';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "outbox_mails";
        DROP TABLE IF EXISTS "account_tokens";"""
