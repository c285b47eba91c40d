from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Sign in with another provider (docs/identity-providers.md): the providers, the
    # identities linked through them (provider + subject), and each sign-in's state and login
    # code (digests only).
    return """
        CREATE TABLE IF NOT EXISTS "identity_providers" (
            "id" UUID NOT NULL PRIMARY KEY,
            "slug" VARCHAR(40) NOT NULL UNIQUE,
            "name" VARCHAR(100) NOT NULL,
            "kind" VARCHAR(16) NOT NULL,
            "issuer" VARCHAR(2000),
            "authorization_endpoint" VARCHAR(2000),
            "token_endpoint" VARCHAR(2000),
            "userinfo_endpoint" VARCHAR(2000),
            "client_id" VARCHAR(500) NOT NULL,
            "client_secret_sealed" TEXT NOT NULL,
            "scopes" JSONB NOT NULL,
            "claims" JSONB NOT NULL,
            "creates_accounts" BOOL NOT NULL DEFAULT False,
            "trusts_email_verified" BOOL NOT NULL DEFAULT False,
            "enabled" BOOL NOT NULL DEFAULT True,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        COMMENT ON COLUMN "identity_providers"."kind" IS 'oidc | oauth2';
        COMMENT ON COLUMN "identity_providers"."issuer" IS 'oidc: where discovery starts';
        COMMENT ON COLUMN "identity_providers"."client_secret_sealed" IS 'sealed with SECRET_KEY (purpose identity-provider)';
        COMMENT ON COLUMN "identity_providers"."claims" IS 'claim name per field (ClaimMapping)';
        COMMENT ON TABLE "identity_providers" IS 'Providers to sign in with; client secrets are stored sealed only';
        CREATE TABLE IF NOT EXISTS "user_identities" (
            "id" UUID NOT NULL PRIMARY KEY,
            "subject" VARCHAR(255) NOT NULL,
            "email" VARCHAR(254),
            "linked_at" TIMESTAMPTZ NOT NULL,
            "last_sign_in_at" TIMESTAMPTZ,
            "provider_id" UUID NOT NULL REFERENCES "identity_providers" ("id") ON DELETE CASCADE,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            CONSTRAINT "uid_user_identi_provide_8e1c57" UNIQUE ("provider_id", "subject")
        );
        CREATE INDEX IF NOT EXISTS "idx_user_identi_user_id_4b7d21" ON "user_identities" ("user_id");
        COMMENT ON COLUMN "user_identities"."email" IS 'what the provider said last; never a link key';
        COMMENT ON TABLE "user_identities" IS 'Linked identities: provider + subject, never an email';
        CREATE TABLE IF NOT EXISTS "provider_sign_ins" (
            "state_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
            "browser_binding_hash" VARCHAR(64) NOT NULL,
            "nonce" VARCHAR(100) NOT NULL,
            "code_verifier_sealed" TEXT NOT NULL,
            "return_to" TEXT NOT NULL,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "state_used_at" TIMESTAMPTZ,
            "login_code_hash" VARCHAR(64) UNIQUE,
            "login_code_expires_at" TIMESTAMPTZ,
            "login_code_used_at" TIMESTAMPTZ,
            "subject" VARCHAR(255),
            "profile" JSONB,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "provider_id" UUID NOT NULL REFERENCES "identity_providers" ("id") ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS "idx_provider_si_expires_9c2f40" ON "provider_sign_ins" ("expires_at");
        COMMENT ON COLUMN "provider_sign_ins"."state_hash" IS 'sha256 hex of the state';
        COMMENT ON COLUMN "provider_sign_ins"."browser_binding_hash" IS 'sha256 hex of the browser''s cookie';
        COMMENT ON COLUMN "provider_sign_ins"."code_verifier_sealed" IS 'PKCE verifier, sealed';
        COMMENT ON COLUMN "provider_sign_ins"."profile" IS 'email, email_verified, username, names, as the provider said them';
        COMMENT ON TABLE "provider_sign_ins" IS 'Sign-ins through other providers: state and login code as digests; short-lived';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "provider_sign_ins";
        DROP TABLE IF EXISTS "user_identities";
        DROP TABLE IF EXISTS "identity_providers";"""
