from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Analytics (docs/analytics.md): daily counts kept from the audit trail, who signed in
    # each day, and the queue of audit rows not yet counted, which starts with the trail so far
    # (the actions of domain/analytics.py COUNTED_ACTIONS as of this migration).
    return """
        CREATE TABLE IF NOT EXISTS "analytics_queue" (
            "audit_id" BIGINT NOT NULL PRIMARY KEY
        );
        COMMENT ON TABLE "analytics_queue" IS 'Audit rows waiting to be counted in analytics_days';
        CREATE TABLE IF NOT EXISTS "analytics_days" (
            "id" BIGSERIAL NOT NULL PRIMARY KEY,
            "day" DATE NOT NULL,
            "metric" VARCHAR(32) NOT NULL,
            "dimension" VARCHAR(200) NOT NULL DEFAULT '',
            "value" BIGINT NOT NULL DEFAULT 0,
            CONSTRAINT "uid_analytics_d_day_77e0fe" UNIQUE ("day", "metric", "dimension")
        );
        COMMENT ON COLUMN "analytics_days"."metric" IS 'sign_ups, sign_ins, new_sessions, failed_sign_ins, …';
        COMMENT ON COLUMN "analytics_days"."dimension" IS 'a sign-in method, a client_id, or empty';
        COMMENT ON TABLE "analytics_days" IS 'Daily counts, kept from the audit trail by the workers'' roll-up';
        CREATE TABLE IF NOT EXISTS "analytics_active_users" (
            "id" BIGSERIAL NOT NULL PRIMARY KEY,
            "day" DATE NOT NULL,
            "user_id" VARCHAR(200) NOT NULL,
            CONSTRAINT "uid_analytics_a_day_f61172" UNIQUE ("day", "user_id")
        );
        COMMENT ON TABLE "analytics_active_users" IS 'Who signed in each day, once per user and day';
        INSERT INTO "analytics_queue" ("audit_id")
        SELECT "id" FROM "audit_logs" WHERE "action" IN (
            'user.create', 'user.register', 'user.import', 'auth.login', 'oauth.authorize',
            'auth.login_failed', 'auth.mfa_wrong_code', 'auth.passkey_refused'
        );"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "analytics_active_users";
        DROP TABLE IF EXISTS "analytics_days";
        DROP TABLE IF EXISTS "analytics_queue";"""
