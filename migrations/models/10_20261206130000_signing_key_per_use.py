from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Two keys sign at a time, one per use: the access-token key (EdDSA or ES256) and the ID
    # tokens' RSA key (RS256, OpenID Connect). The one-signer index becomes one per use;
    # `usersvc migrate` then makes the RSA key (workers/key_admin.py).
    return """
        DROP INDEX IF EXISTS "signing_keys_one_signer";
        CREATE UNIQUE INDEX IF NOT EXISTS "signing_keys_one_signer_per_use" ON "signing_keys" (("algorithm" = 'RS256'))
            WHERE "retired_at" IS NULL AND "revoked_at" IS NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    # One signer again: the RSA key retires, published a day more for its ID tokens, and
    # keeps no private half.
    return """
        UPDATE "signing_keys" SET "retired_at" = now(), "verify_until" = now() + interval '1 day', "private_key" = ''
            WHERE "algorithm" = 'RS256' AND "retired_at" IS NULL AND "revoked_at" IS NULL;
        DROP INDEX IF EXISTS "signing_keys_one_signer_per_use";
        CREATE UNIQUE INDEX IF NOT EXISTS "signing_keys_one_signer" ON "signing_keys" ((true))
            WHERE "retired_at" IS NULL AND "revoked_at" IS NULL;"""
