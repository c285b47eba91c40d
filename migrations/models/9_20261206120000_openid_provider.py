from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # The OpenID Connect provider: clients, consents, codes; sessions gain a kind, so a
    # provider sign-in (browser) and a client's grant are sessions that logout, password
    # reset, deactivation and revocation end with no new code path.
    return """
        ALTER TABLE "user_sessions" ADD "kind" VARCHAR(16) NOT NULL DEFAULT 'api';
        ALTER TABLE "user_sessions" ADD "client_id" VARCHAR(64);
        ALTER TABLE "user_sessions" ADD "scopes" JSONB;
        ALTER TABLE "user_sessions" ADD "parent_session_id" UUID;
        ALTER TABLE "user_sessions" ADD "amr" JSONB;
        ALTER TABLE "user_sessions" ADD "auth_time" TIMESTAMPTZ;
        CREATE INDEX IF NOT EXISTS "idx_user_sessio_kind_5a2c1e" ON "user_sessions" ("kind");
        CREATE INDEX IF NOT EXISTS "idx_user_sessio_client__8d3b0f" ON "user_sessions" ("client_id");
        CREATE INDEX IF NOT EXISTS "idx_user_sessio_parent__1f6e2a" ON "user_sessions" ("parent_session_id");
        COMMENT ON COLUMN "user_sessions"."kind" IS 'api: /v1/auth/login | browser: the provider''s sign-in cookie | grant: tokens of an OAuth client';
        COMMENT ON COLUMN "user_sessions"."client_id" IS 'grant sessions: the client';
        COMMENT ON COLUMN "user_sessions"."scopes" IS 'grant sessions: the scopes granted';
        COMMENT ON COLUMN "user_sessions"."parent_session_id" IS 'grant sessions: the browser session they were granted in';
        COMMENT ON COLUMN "user_sessions"."amr" IS 'how the user signed in (RFC 8176 values)';
        COMMENT ON COLUMN "user_sessions"."auth_time" IS 'when the user last proved who they are';
        COMMENT ON TABLE "user_sessions" IS 'One row per login, provider sign-in or client grant; refresh rotates refresh_token_hash';
        CREATE TABLE IF NOT EXISTS "oauth_clients" (
            "client_id" VARCHAR(64) NOT NULL PRIMARY KEY,
            "name" VARCHAR(100) NOT NULL,
            "type" VARCHAR(16) NOT NULL,
            "first_party" BOOL NOT NULL DEFAULT False,
            "redirect_uris" JSONB NOT NULL,
            "post_logout_redirect_uris" JSONB NOT NULL,
            "grant_types" JSONB NOT NULL,
            "scopes" JSONB NOT NULL,
            "id_token_signed_response_alg" VARCHAR(16) NOT NULL DEFAULT 'RS256',
            "secret_digest" VARCHAR(64),
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "deleted_at" TIMESTAMPTZ
        );
        COMMENT ON COLUMN "oauth_clients"."type" IS 'confidential | public';
        COMMENT ON COLUMN "oauth_clients"."first_party" IS 'no consent page';
        COMMENT ON COLUMN "oauth_clients"."secret_digest" IS 'HMAC-SHA256 of the secret under a key derived from SECRET_KEY';
        COMMENT ON COLUMN "oauth_clients"."deleted_at" IS 'deleted: its tokens and grants stop working';
        COMMENT ON TABLE "oauth_clients" IS 'OpenID Connect clients; secrets are stored as keyed digests only';
        CREATE TABLE IF NOT EXISTS "oauth_consents" (
            "id" UUID NOT NULL PRIMARY KEY,
            "client_id" VARCHAR(64) NOT NULL,
            "scopes" JSONB NOT NULL,
            "granted_at" TIMESTAMPTZ NOT NULL,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            CONSTRAINT "uid_oauth_conse_user_id_3c1b7e" UNIQUE ("user_id", "client_id")
        );
        COMMENT ON TABLE "oauth_consents" IS 'Consents remembered per user and client';
        CREATE TABLE IF NOT EXISTS "oauth_codes" (
            "code_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
            "client_id" VARCHAR(64) NOT NULL,
            "user_id" UUID NOT NULL,
            "browser_session_id" UUID NOT NULL,
            "redirect_uri" TEXT NOT NULL,
            "scopes" JSONB NOT NULL,
            "nonce" TEXT,
            "code_challenge" VARCHAR(128),
            "auth_time" TIMESTAMPTZ NOT NULL,
            "amr" JSONB NOT NULL,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "used_at" TIMESTAMPTZ,
            "grant_session_id" UUID,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX IF NOT EXISTS "idx_oauth_codes_created_4e9a1d" ON "oauth_codes" ("created_at");
        COMMENT ON COLUMN "oauth_codes"."code_hash" IS 'sha256 hex of the code';
        COMMENT ON COLUMN "oauth_codes"."browser_session_id" IS 'the provider session the code was issued in';
        COMMENT ON COLUMN "oauth_codes"."code_challenge" IS 'PKCE S256 challenge';
        COMMENT ON COLUMN "oauth_codes"."grant_session_id" IS 'the grant its redemption opened; ended on reuse';
        COMMENT ON TABLE "oauth_codes" IS 'Authorization codes, as digests; single use';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "oauth_codes";
        DROP TABLE IF EXISTS "oauth_consents";
        DROP TABLE IF EXISTS "oauth_clients";
        DELETE FROM "user_sessions" WHERE "kind" <> 'api';
        ALTER TABLE "user_sessions" DROP COLUMN "kind";
        ALTER TABLE "user_sessions" DROP COLUMN "client_id";
        ALTER TABLE "user_sessions" DROP COLUMN "scopes";
        ALTER TABLE "user_sessions" DROP COLUMN "parent_session_id";
        ALTER TABLE "user_sessions" DROP COLUMN "amr";
        ALTER TABLE "user_sessions" DROP COLUMN "auth_time";
        COMMENT ON TABLE "user_sessions" IS 'One row per login; refresh rotates refresh_token_hash';"""
