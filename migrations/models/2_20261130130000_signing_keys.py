from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Access tokens are signed with asymmetric keys kept here, their private halves sealed
    # with SECRET_KEY; at most one key signs at a time (the partial unique index). Refresh
    # tokens become opaque: sessions keep only the SHA-256 of the current one, and the
    # digests of spent ones (to detect reuse) in spent_refresh_tokens. Sessions opened
    # before this hold refresh tokens of the old format that nothing can check any more,
    # so they end here: everyone logs in again.
    return """
        CREATE TABLE IF NOT EXISTS "signing_keys" (
            "kid" VARCHAR(64) NOT NULL PRIMARY KEY,
            "algorithm" VARCHAR(16) NOT NULL,
            "public_jwk" JSONB NOT NULL,
            "private_key" TEXT NOT NULL,
            "created_at" TIMESTAMPTZ NOT NULL,
            "retired_at" TIMESTAMPTZ,
            "verify_until" TIMESTAMPTZ,
            "revoked_at" TIMESTAMPTZ
        );
        CREATE UNIQUE INDEX IF NOT EXISTS "signing_keys_one_signer" ON "signing_keys" ((true))
            WHERE "retired_at" IS NULL AND "revoked_at" IS NULL;
        COMMENT ON COLUMN "signing_keys"."kid" IS 'RFC 7638 thumbprint of the public key';
        COMMENT ON COLUMN "signing_keys"."private_key" IS 'PKCS#8 PEM sealed with SECRET_KEY (purpose signing-keys)';
        COMMENT ON COLUMN "signing_keys"."retired_at" IS 'no longer signs; still verifies until verify_until';
        COMMENT ON COLUMN "signing_keys"."verify_until" IS 'a retired key leaves the published set then';
        COMMENT ON COLUMN "signing_keys"."revoked_at" IS 'its tokens are refused at once';
        COMMENT ON TABLE "signing_keys" IS 'Keys that sign access tokens; never deleted, state only moves forward';
        UPDATE "user_sessions" SET "revoked_at" = CURRENT_TIMESTAMP WHERE "revoked_at" IS NULL;
        ALTER TABLE "user_sessions" DROP COLUMN "refresh_jti";
        ALTER TABLE "user_sessions" ADD COLUMN "refresh_token_hash" VARCHAR(64) UNIQUE;
        COMMENT ON COLUMN "user_sessions"."refresh_token_hash" IS 'sha256 hex of the one refresh token not yet spent';
        COMMENT ON TABLE "user_sessions" IS 'One row per login; refresh rotates refresh_token_hash';
        CREATE TABLE IF NOT EXISTS "spent_refresh_tokens" (
            "token_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
            "spent_at" TIMESTAMPTZ NOT NULL,
            "session_id" UUID NOT NULL REFERENCES "user_sessions" ("id") ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS "spent_refresh_tokens_session" ON "spent_refresh_tokens" ("session_id");
        COMMENT ON COLUMN "spent_refresh_tokens"."token_hash" IS 'sha256 hex of a refresh token already used';
        COMMENT ON TABLE "spent_refresh_tokens" IS 'Spent refresh tokens, as digests: one presented again revokes its session';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    # The opaque refresh tokens cannot become the old ones: sessions end here too.
    return """
        DROP TABLE IF EXISTS "spent_refresh_tokens";
        UPDATE "user_sessions" SET "revoked_at" = CURRENT_TIMESTAMP WHERE "revoked_at" IS NULL;
        ALTER TABLE "user_sessions" DROP COLUMN IF EXISTS "refresh_token_hash";
        ALTER TABLE "user_sessions" ADD COLUMN "refresh_jti" VARCHAR(64) NOT NULL DEFAULT '';
        ALTER TABLE "user_sessions" ALTER COLUMN "refresh_jti" DROP DEFAULT;
        COMMENT ON COLUMN "user_sessions"."refresh_jti" IS 'the one refresh token not yet spent';
        COMMENT ON TABLE "user_sessions" IS 'One row per login; refresh rotates refresh_jti';
        DROP TABLE IF EXISTS "signing_keys";"""
