from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # A key that no longer signs keeps no private half (workers/key_admin.py): what earlier
    # versions kept sealed for retired and revoked keys is overwritten.
    return """
        UPDATE "signing_keys" SET "private_key" = ''
            WHERE ("retired_at" IS NOT NULL OR "revoked_at" IS NOT NULL) AND "private_key" <> '';
        COMMENT ON COLUMN "signing_keys"."private_key" IS 'PKCS#8 PEM sealed with SECRET_KEY (purpose signing-keys); empty once the key no longer signs';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """"""  # a destroyed key cannot be brought back
