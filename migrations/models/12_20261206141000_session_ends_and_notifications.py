from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # How each session ended and who ended it (GET /v1/users/{id}/sessions); sessions revoked
    # before this migration ended for a reason nobody wrote down: `revoked`, by nobody known.
    # Where accounts signed in from, for the new-sign-in mail, and the switch that turns it off.
    return """
        ALTER TABLE "user_sessions" ADD "end_reason" VARCHAR(32);
        ALTER TABLE "user_sessions" ADD "ended_by_type" VARCHAR(16);
        ALTER TABLE "user_sessions" ADD "ended_by_id" VARCHAR(200);
        COMMENT ON COLUMN "user_sessions"."end_reason" IS 'why it was revoked: logout | revoked | refresh_reuse | password_change | deactivated';
        COMMENT ON COLUMN "user_sessions"."ended_by_type" IS 'user | service: who ended it, if anyone';
        COMMENT ON COLUMN "user_sessions"."ended_by_id" IS 'a user id or a service''s broker user';
        UPDATE "user_sessions" SET "end_reason" = 'revoked' WHERE "revoked_at" IS NOT NULL;
        ALTER TABLE "users" ADD "notify_new_sign_in" BOOL NOT NULL DEFAULT True;
        COMMENT ON COLUMN "users"."notify_new_sign_in" IS 'mail the user on a sign-in from a device and network not seen in 30 days';
        CREATE TABLE IF NOT EXISTS "known_sign_ins" (
            "id" UUID NOT NULL PRIMARY KEY,
            "device" VARCHAR(64) NOT NULL,
            "network" VARCHAR(64) NOT NULL,
            "first_seen_at" TIMESTAMPTZ NOT NULL,
            "last_seen_at" TIMESTAMPTZ NOT NULL,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            CONSTRAINT "uid_known_sign__user_id_7c4e2b" UNIQUE ("user_id", "device", "network")
        );
        COMMENT ON COLUMN "known_sign_ins"."device" IS 'the user agent''s family: browser and system, no versions';
        COMMENT ON COLUMN "known_sign_ins"."network" IS 'the client''s IPv4 /24 or IPv6 /48';
        COMMENT ON TABLE "known_sign_ins" IS 'Where each account signed in from: a sign-in from a pair unseen for 30 days is mailed';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "known_sign_ins";
        ALTER TABLE "users" DROP COLUMN "notify_new_sign_in";
        ALTER TABLE "user_sessions" DROP COLUMN "end_reason";
        ALTER TABLE "user_sessions" DROP COLUMN "ended_by_type";
        ALTER TABLE "user_sessions" DROP COLUMN "ended_by_id";"""
