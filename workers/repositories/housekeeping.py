"""Pruning in the database: what only matters for a while (workers/housekeeping.py runs it
every hour)."""

from datetime import datetime, timedelta

from tortoise import connections

from usersvc.workers.models import AccountToken, OutboxEvent, OutboxMail, ProcessedCommand

# A redelivery or a client retry with the same Idempotency-Key comes within minutes; a week is ample.
PROCESSED_COMMAND_RETENTION = timedelta(days=7)
PUBLISHED_EVENT_RETENTION = timedelta(days=1)
FINISHED_MAIL_RETENTION = timedelta(days=1)  # sent or dead: their content is already erased
TOKEN_RETENTION = timedelta(days=7)  # after expiry; digests only, kept for investigations
# Reuse detection only matters while the session lives: afterwards any of its refresh
# tokens gets the same refusal anyway.
SPENT_REFRESH_TOKENS_OF_ENDED_SESSIONS_SQL = """
DELETE FROM "spent_refresh_tokens" AS spent USING "user_sessions" AS session
WHERE spent."session_id" = session."id" AND (session."revoked_at" IS NOT NULL OR session."expires_at" < $1)"""


async def prune_once(*, now: datetime) -> tuple[int, int]:
    """Idempotency records, published events, sent mails, old one-time tokens and the spent
    refresh tokens of ended sessions; (processed commands, events) pruned."""
    commands = await ProcessedCommand.filter(created_at__lt=now - PROCESSED_COMMAND_RETENTION).delete()
    events = await OutboxEvent.filter(published_at__lt=now - PUBLISHED_EVENT_RETENTION).delete()
    await OutboxMail.filter(sealed=None, created_at__lt=now - FINISHED_MAIL_RETENTION).delete()
    await AccountToken.filter(expires_at__lt=now - TOKEN_RETENTION).delete()
    await connections.get("default").execute_query(SPENT_REFRESH_TOKENS_OF_ENDED_SESSIONS_SQL, [now])
    return commands, events
