from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "audit_logs" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "actor_type" VARCHAR(16) NOT NULL,
    "actor_id" VARCHAR(200) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "entity_type" VARCHAR(32) NOT NULL,
    "entity_id" VARCHAR(200) NOT NULL,
    "old_values" JSONB,
    "new_values" JSONB,
    "ip_address" VARCHAR(64),
    "user_agent" VARCHAR(500),
    "request_id" VARCHAR(200),
    "command_id" VARCHAR(200),
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_audit_logs_actor_i_2df92a" ON "audit_logs" ("actor_id");
CREATE INDEX IF NOT EXISTS "idx_audit_logs_action_4eb755" ON "audit_logs" ("action");
CREATE INDEX IF NOT EXISTS "idx_audit_logs_entity__21d5dc" ON "audit_logs" ("entity_id");
CREATE INDEX IF NOT EXISTS "idx_audit_logs_created_bdaee3" ON "audit_logs" ("created_at");
COMMENT ON TABLE "audit_logs" IS 'Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE';
CREATE TABLE IF NOT EXISTS "outbox_events" (
    "id" UUID NOT NULL PRIMARY KEY,
    "routing_key" VARCHAR(64) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_outbox_even_publish_f7744d" ON "outbox_events" ("published_at");
COMMENT ON TABLE "outbox_events" IS 'Events written with their change, published after commit (transactional outbox).';
CREATE TABLE IF NOT EXISTS "processed_commands" (
    "id" VARCHAR(200) NOT NULL PRIMARY KEY,
    "routing_key" VARCHAR(64) NOT NULL,
    "fingerprint" VARCHAR(64) NOT NULL,
    "reply" JSONB,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_processed_c_created_a4ca70" ON "processed_commands" ("created_at");
COMMENT ON COLUMN "processed_commands"."id" IS 'AMQP message_id';
COMMENT ON COLUMN "processed_commands"."fingerprint" IS 'sha256 of routing key + data';
COMMENT ON TABLE "processed_commands" IS 'Makes commands idempotent: a message_id seen before gets its first reply again.';
CREATE TABLE IF NOT EXISTS "users" (
    "id" UUID NOT NULL PRIMARY KEY,
    "username" VARCHAR(50) NOT NULL UNIQUE,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255) NOT NULL,
    "first_name" VARCHAR(100) NOT NULL,
    "last_name" VARCHAR(100) NOT NULL,
    "phone" VARCHAR(20),
    "role" VARCHAR(16) NOT NULL,
    "is_active" BOOL NOT NULL,
    "email_verified" BOOL NOT NULL,
    "last_login_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "deleted_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_users_last_na_0d2865" ON "users" ("last_name");
CREATE INDEX IF NOT EXISTS "idx_users_role_35db31" ON "users" ("role");
COMMENT ON COLUMN "users"."username" IS '[A-Za-z0-9_]{3,50}';
COMMENT ON COLUMN "users"."email" IS 'stored lower-cased';
COMMENT ON COLUMN "users"."role" IS 'USER: user\nMODERATOR: moderator\nADMIN: admin';
COMMENT ON COLUMN "users"."deleted_at" IS 'soft delete: 404 everywhere after';
COMMENT ON TABLE "users" IS 'People who can log in; soft-deleted rows keep email/username reserved';
CREATE TABLE IF NOT EXISTS "user_sessions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "refresh_jti" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "last_used_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "ip_address" VARCHAR(64),
    "user_agent" VARCHAR(500),
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_user_sessio_revoked_bafecb" ON "user_sessions" ("revoked_at");
COMMENT ON COLUMN "user_sessions"."refresh_jti" IS 'the one refresh token not yet spent';
COMMENT ON TABLE "user_sessions" IS 'One row per login; refresh rotates refresh_jti';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
-- Hand-written below: what the ORM cannot express.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE "users" ADD CONSTRAINT "users_email_lower_case" CHECK ("email" = lower("email"));
-- List queries read live users only, ordered by a sort field with id as tie-breaker.
CREATE INDEX IF NOT EXISTS "users_live_created" ON "users" ("created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "users_live_updated" ON "users" ("updated_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "users_live_username" ON "users" ("username", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "users_live_email" ON "users" ("email", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX IF NOT EXISTS "users_live_last_name" ON "users" ("last_name", "id") WHERE "deleted_at" IS NULL;
-- Case-insensitive substring search.
CREATE INDEX IF NOT EXISTS "users_search_trgm" ON "users" USING gin (
    (lower("username") || ' ' || "email" || ' ' || lower("first_name") || ' ' || lower("last_name")) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS "user_sessions_user_active" ON "user_sessions" ("user_id") WHERE "revoked_at" IS NULL;
CREATE INDEX IF NOT EXISTS "outbox_events_unpublished" ON "outbox_events" ("created_at") WHERE "published_at" IS NULL;
-- The audit trail is append-only for every role, the application's included.
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_logs_no_update_delete BEFORE UPDATE OR DELETE ON "audit_logs"
    FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "audit_logs"
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXP9z2jYU/1d0/JTeki4hkLTpbnckoStrE7KEbLt2PZ+CBWgxkivJoazL/74nGwP+Gt"
    "sDYig/tBee9JHkz3uS3nuS/a0y5Cax5MuGY1L1gfcrJ+hbheEhgT8iZbuogm17VqIFCt9Z"
    "bmWsaxkW77tifCeVwF0FJT1sSQIik8iuoLainOn6DdsmzNzjzBqfIIyUoP0+EUiQniOJRL"
    "dX541OcxedNz80O02EmYk617eXZyDU7Zu8Cx1QpgfMHMsCkcPoF4cYiveJGhABBZ8+g5gy"
    "k3wl0v9p3xs9Siwz8KDU1G26ckONbVd2Svstpt66dXWHd0aXW86QzerbYzXgbAqgTGlpnz"
    "AisCK6ByUc/eR6gBOafDK8wc6qeKOcw5ikhx1LzR4PBjCTVQzjst0xbpodw6hEuPURUY66"
    "nGm9wFClS0BfD2HvdbV6eHhc3T88elWvHR/XX+2/grrueKNFx4/eYGZseU25nLV+aV129I"
    "A4KN+zCy14dDFYYQ/lKmPGPpgJFx6NES2cDbCI10EQFdIFPGRYFz7zacrwBTNtzIx3FeoY"
    "4q+GRVhfDeDnwVEK0783rs/eNa53Do5eBOm+nJRU3SJNfJjoOGN/iuZYg18YySs1+QDH1f"
    "39DCRDrUSW3bIIzXpQ+UieIDaP4qNaBoaPaokE66Igv4Qpqsa5F4wQbANXjMNqBqoPq4lU"
    "66JYqvMtGQHQ5hn0UtYMDg09YMshMsr0rzfty3img6gQ1SbtKvQvsqiM+CUxlE/4LIthpz"
    "Cs6dAtD6X8Ys0Tu3PR+DPM+dmH9qnLDZeqL9xW3AZOQ/wzMirAfxC15b84/9Q2sGlChRj+"
    "k1eaIKrQUlMy3pe9d0JsJQwMnKg8PAdRm8dzPdOSXk9Z0uvRJV0QeFKpcm6eQdTmUb2U3b"
    "PLh0PMzJxUB1FbqrNRLYimw8AxC8g5lCg6JAl0B5DhzXICfen/sYZeIjyf2WbWeNJvCved"
    "1kXzptO4uArsozrhpUuqrnQcku6EI/1pI+iPVucd0j/Rx/ZlM7zdTut1Plb0mLCjuMH4SG"
    "+dM4p8qU/jo06W9e7nEjZacIe79yMsTCNSwqs8qW60aFgdhiWYwf5iTsjVw5wkH9uOuuNf"
    "mw9674nJTc4X76alJ7lb0SC6ZsYMpduqRCNBlSIMjagaIDUgVKDuALM+IGznDty7ATER7i"
    "kCclhRqEI70DCTXlCPLeR1/eJlOG+5lA4WnAW9vW2d58iBOg41X2pMken7dCq08lPPYe5T"
    "I7cn/V/t58rqfWAvkvZm5Pxccx89PdspQFvQq3FPxrn8giBsA7MXi3d2bTy2OI6x6uSIbg"
    "7yv8K5slG96nhuvdyE1Vr9ZvkJgQnnb1cF9B7GLkDzT3vnq/QP10TPPklldQivBO8SKYl5"
    "5oVvcV5hpE6qa2j7tY1JRJjRP7zA90QiH4OoSYY2B0dO6fPsIbQIDwDBJZIEnLs70uOCIP"
    "DKoCb861EhFRLEtsYI98FIou7hEtpfsHeYkplbYPJ/GUfklcbFb1dzJIbJX3F8vXUXS+Au"
    "9qBzImxB8yVHQ7AyU12RA1ytHyHeQxMDQWAg6Aekza/IFFi8EtwVK4/HPgVsj1++F3d9m9"
    "Vb96zerXSdj4jj5spTnTV9FJXRP7si3LYIGg046mKGLN5HlL1BkvfUHrRLwARhGRxJWAOJ"
    "jcgQU+tH3bweE3hO8NcDSXIMtmm2kqfZfEXmPeb0MSV2XT819j7ivX/2914bn78d7tb3H4"
    "ts3fVsR54pJ56Ry0J6BuXhewooMdlSQVhlwuIxImKvi2XiipAeKtSzOEpQKzlUqMekN6Uc"
    "cViKB1gO8vAeAZbZZy16+FmvZ2K8nsJ4PRohQFBt5F1WgqgN5PogUyB8kBIIH0QPmi1cgO"
    "oAaPOuHi6FaBtIykXyFLCJVyYyZXRSEjqReJZbCeQ2mTN0CW7BgDDrkpgkjrVaQ3Y9oJx+"
    "XuX2pnl9gjTyL3bRPm9eNzptEGjfHYbHQdo4v2hdniBsDikrsnsu/k0IKg19ev4Qo5pTDq"
    "xjluCNz+NCarkD4LKWcl9Tq3W/T9vtD4FY9rQVernn8vbitAncu9RDJapcsf/OT8g3NB6I"
    "oNBR3NtWaaxHwSukfipZW+7dTRGiX8oK5Hci4JWcy5Ul2VamlE7iwdz6JvK25+7FM3mBW9"
    "22WVDrQeRW62XResxkn4x+pvVJDrOA1oPItVnRKzp1i7zBn6Dafg0RcArGowERxLsgmc27"
    "XF8byJ3En1mLJFICjTHv15xOkG/fXxMLJ7yJOpegv/FaWsPF4NGfCL7Un1bLPuvwKUs48p"
    "hjNP3kw5jX4tMnIG1G9AkHsolArg/3Rn9fAaxvAGIFepP+b+NvRbdHHet51BFSYfY3jQKw"
    "MuclK2B4iGtjnliv4veEIcYVGhOFpD25/v/81xe2/vemeWJZ/G83SHZkIb2HsRuo+TXRdK"
    "YAm3y1KTRXQNFB5FbNpVazIA+wxRSZz0Hk9hZ7iZW8/ejA9qMDz8fzUj464JKWL+yagywy"
    "9irvZvREqBXJrgTZjVL7lgtC++w9GUeOc5OTKOtLaSR7AmKBR9Pwf96g4Nm9dJ2WX8OCfd"
    "0661Qen+fSaYMI2h1U4r5w6ZXspn7fclbnqbxLMqMLzqV8Lx+orB7UjmuvDo9q0+9STiVp"
    "n6N8+tOTD0T4ibes29IcpMwpkzJdm9OTKgfDk+obyO5S7m9BjyrWtUp+Z2YOsn3LPedrM8"
    "/6BsXjf+u9vnk="
)
