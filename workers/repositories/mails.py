"""Mails in the transactional outbox: written sealed in a command's transaction
(MailsRepository, through the unit of work), then claimed, sent and settled by the relay of
workers/mail_outbox.py, outside any transaction (the functions below)."""

import uuid
from datetime import datetime
from typing import Any

from tortoise import connections

from usersvc.workers.models import OutboxMail
from usersvc.workers.repositories.base import Repository

CLAIM_SQL = """
UPDATE "outbox_mails" SET "next_attempt_at" = now() + make_interval(secs => $1)
WHERE "id" IN (SELECT "id" FROM "outbox_mails"
               WHERE "sealed" IS NOT NULL AND "next_attempt_at" <= now()
               ORDER BY "next_attempt_at" LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING "id", "template", "sealed", "attempts"
"""


class MailsRepository(Repository):
    async def add(self, *, template: str, sealed: str) -> None:
        await OutboxMail.create(
            id=uuid.uuid4(),
            template=template,
            sealed=sealed,
            next_attempt_at=self.unit.now,
            using_db=self._db,
        )


async def claim_due(*, lease_seconds: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` mails due, leased for `lease_seconds` (other workers skip them meanwhile)."""
    return await connections.get("default").execute_query_dict(CLAIM_SQL, [lease_seconds, limit])


async def settle(
    mail_id: uuid.UUID,
    *,
    attempts: int,
    sent_at: datetime | None = None,
    failed_at: datetime | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    """Sent or dead: its content is erased; else tried again at `next_attempt_at`."""
    if next_attempt_at is not None:
        await OutboxMail.filter(id=mail_id).update(attempts=attempts, next_attempt_at=next_attempt_at)
    elif sent_at is not None:
        await OutboxMail.filter(id=mail_id).update(sealed=None, attempts=attempts, sent_at=sent_at)
    else:
        await OutboxMail.filter(id=mail_id).update(sealed=None, attempts=attempts, failed_at=failed_at)
