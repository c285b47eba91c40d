from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Passkeys (WebAuthn): public keys only, nothing a dump could sign with. Challenges are
    # kept as digests, single use, five minutes; they go with their user or mfa challenge.
    # Users are soft-deleted, so passkeys restrict like user_sessions'.
    return """
        CREATE TABLE IF NOT EXISTS "passkeys" (
            "id" UUID NOT NULL PRIMARY KEY,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            "credential_id" VARCHAR(1400) NOT NULL UNIQUE,
            "public_key" BYTEA NOT NULL,
            "sign_count" BIGINT NOT NULL DEFAULT 0,
            "aaguid" VARCHAR(36) NOT NULL,
            "name" VARCHAR(100) NOT NULL,
            "transports" JSONB,
            "backup_eligible" BOOL NOT NULL,
            "backed_up" BOOL NOT NULL,
            "created_at" TIMESTAMPTZ NOT NULL,
            "last_used_at" TIMESTAMPTZ
        );
        CREATE INDEX IF NOT EXISTS "passkeys_user" ON "passkeys" ("user_id");
        COMMENT ON COLUMN "passkeys"."credential_id" IS 'the credential id, base64url';
        COMMENT ON COLUMN "passkeys"."public_key" IS 'the COSE public key';
        COMMENT ON COLUMN "passkeys"."sign_count" IS 'the authenticator''s counter last seen; it must grow';
        COMMENT ON COLUMN "passkeys"."aaguid" IS 'the authenticator model (zeros when not told)';
        COMMENT ON COLUMN "passkeys"."transports" IS 'as the browser reported them';
        COMMENT ON COLUMN "passkeys"."backup_eligible" IS 'BE at registration: a synced (multi-device) passkey';
        COMMENT ON COLUMN "passkeys"."backed_up" IS 'BS at the last ceremony';
        COMMENT ON TABLE "passkeys" IS 'WebAuthn credentials (public keys only)';
        CREATE TABLE IF NOT EXISTS "webauthn_challenges" (
            "id" UUID NOT NULL PRIMARY KEY,
            "challenge_digest" VARCHAR(64) NOT NULL UNIQUE,
            "purpose" VARCHAR(16) NOT NULL,
            "user_id" UUID REFERENCES "users" ("id") ON DELETE CASCADE,
            "mfa_challenge_id" UUID REFERENCES "mfa_challenges" ("id") ON DELETE CASCADE,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "spent_at" TIMESTAMPTZ,
            "created_at" TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "idx_webauthn_ch_expires_at" ON "webauthn_challenges" ("expires_at");
        CREATE INDEX IF NOT EXISTS "webauthn_challenges_mfa" ON "webauthn_challenges" ("mfa_challenge_id");
        COMMENT ON COLUMN "webauthn_challenges"."challenge_digest" IS 'sha256 hex of the challenge';
        COMMENT ON COLUMN "webauthn_challenges"."purpose" IS 'registration | authentication';
        COMMENT ON TABLE "webauthn_challenges" IS 'Pending WebAuthn ceremonies; the challenge is stored as a digest only';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webauthn_challenges";
        DROP TABLE IF EXISTS "passkeys";"""
