"""Mails in the transactional outbox, as a command writes them: sealed, in its transaction
(workers/mail_outbox.py seals them, and its relay sends them after commit)."""

import uuid

from usersvc.workers.models import OutboxMail
from usersvc.workers.repositories.base import Repository


class MailsRepository(Repository):
    async def add(self, *, template: str, sealed: str) -> None:
        await OutboxMail.create(
            id=uuid.uuid4(),
            template=template,
            sealed=sealed,
            next_attempt_at=self.unit.now,
            using_db=self._db,
        )
