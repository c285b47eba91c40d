from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Whether an address of the account was ever verified: a password reset on an account that
    # never was hands it to the address's owner (MFA off), one verified before keeps its MFA.
    # A trigger keeps it, so no path that sets email_verified (verification, reset, import) can
    # forget it; accounts verified now count as verified once.
    return """
        ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email_ever_verified" BOOL NOT NULL DEFAULT FALSE;
        COMMENT ON COLUMN "users"."email_ever_verified" IS 'an address of this account was verified once; kept true by a trigger';
        UPDATE "users" SET "email_ever_verified" = TRUE WHERE "email_verified";
        CREATE OR REPLACE FUNCTION users_email_ever_verified() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.email_verified OR (TG_OP = 'UPDATE' AND OLD.email_ever_verified) THEN
                NEW.email_ever_verified := TRUE;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER users_email_ever_verified
            BEFORE INSERT OR UPDATE OF "email_verified", "email_ever_verified" ON "users"
            FOR EACH ROW EXECUTE FUNCTION users_email_ever_verified();"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS users_email_ever_verified ON "users";
        DROP FUNCTION IF EXISTS users_email_ever_verified();
        ALTER TABLE "users" DROP COLUMN IF EXISTS "email_ever_verified";"""
