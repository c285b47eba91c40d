from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # TOTP MFA. Secrets are stored only sealed with SECRET_KEY, recovery codes and mfa_tokens
    # only as digests, so a database dump reveals none of them. Users are soft-deleted, so
    # the foreign keys restrict like user_sessions'.
    return """
        ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "mfa_enabled" BOOL NOT NULL DEFAULT FALSE;
        COMMENT ON COLUMN "users"."mfa_enabled" IS 'a confirmed TOTP factor (user_totp)';
        CREATE TABLE IF NOT EXISTS "user_totp" (
            "user_id" UUID NOT NULL PRIMARY KEY REFERENCES "users" ("id") ON DELETE RESTRICT,
            "secret_sealed" TEXT NOT NULL,
            "confirmed_at" TIMESTAMPTZ,
            "last_used_step" BIGINT,
            "created_at" TIMESTAMPTZ NOT NULL
        );
        COMMENT ON COLUMN "user_totp"."secret_sealed" IS 'the base32 secret, sealed with SECRET_KEY (purpose mfa)';
        COMMENT ON COLUMN "user_totp"."confirmed_at" IS 'NULL while enrolment is pending';
        COMMENT ON COLUMN "user_totp"."last_used_step" IS 'the last 30-second step whose code was accepted; codes of it or earlier are refused (no replay)';
        COMMENT ON TABLE "user_totp" IS 'TOTP factors; the secret is stored only sealed';
        CREATE TABLE IF NOT EXISTS "mfa_recovery_codes" (
            "id" UUID NOT NULL PRIMARY KEY,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            "code_digest" VARCHAR(64) NOT NULL,
            "used_at" TIMESTAMPTZ,
            "created_at" TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "mfa_recovery_codes_unused" ON "mfa_recovery_codes" ("user_id", "code_digest")
            WHERE "used_at" IS NULL;
        COMMENT ON COLUMN "mfa_recovery_codes"."code_digest" IS 'HMAC-SHA256 under a key derived from SECRET_KEY';
        COMMENT ON TABLE "mfa_recovery_codes" IS 'Single-use recovery codes, as keyed digests only';
        CREATE TABLE IF NOT EXISTS "mfa_challenges" (
            "id" UUID NOT NULL PRIMARY KEY,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            "token_digest" VARCHAR(64) NOT NULL UNIQUE,
            "wrong_codes" SMALLINT NOT NULL DEFAULT 0,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "spent_at" TIMESTAMPTZ,
            "created_at" TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "mfa_challenges_user" ON "mfa_challenges" ("user_id", "expires_at");
        COMMENT ON COLUMN "mfa_challenges"."token_digest" IS 'sha256 hex of the mfa_token';
        COMMENT ON COLUMN "mfa_challenges"."spent_at" IS 'used, or refused too often';
        COMMENT ON TABLE "mfa_challenges" IS 'Pending second login steps; the mfa_token is stored as a digest only';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "mfa_challenges";
        DROP TABLE IF EXISTS "mfa_recovery_codes";
        DROP TABLE IF EXISTS "user_totp";
        ALTER TABLE "users" DROP COLUMN IF EXISTS "mfa_enabled";"""
