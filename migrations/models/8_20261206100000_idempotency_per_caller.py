from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Idempotency records are keyed by their caller and message id together (a digest, see
    # workers/unit_of_work.py record_key); those keyed by the bare message id can never match
    # again, so they go now rather than at the next pruning.
    return """
        DELETE FROM "processed_commands" WHERE "id" !~ '^[0-9a-f]{64}$';
        COMMENT ON COLUMN "processed_commands"."id" IS 'sha256 of the caller (broker user; for the edge, also the actor) and the AMQP message_id';
        COMMENT ON TABLE "processed_commands" IS 'Makes commands idempotent: a message_id its caller used before gets its first reply again.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DELETE FROM "processed_commands";
        COMMENT ON COLUMN "processed_commands"."id" IS 'AMQP message_id';
        COMMENT ON TABLE "processed_commands" IS 'Makes commands idempotent: a message_id seen before gets its first reply again.';"""
