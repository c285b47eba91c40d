"""Mails in the transactional outbox: written with their change, sent after commit.

`queue()` writes a mail in the command's transaction, its recipient and values (a link
with a one-time token in clear) sealed with SECRET_KEY. After the commit the worker wakes
its relay, which claims due mails with a lease (FOR UPDATE SKIP LOCKED: every worker runs
one), sends them outside any transaction and then erases their content. A failed send is
retried after MAIL_RETRY_SECONDS, doubling up to 15 minutes; after MAIL_MAX_ATTEMPTS the
mail is dead: erased, counted and logged without its content. A worker that dies while
sending leaves its lease to run out, and another worker sends the mail again (at least once).
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from usersvc.secret_box import SecretBox, SecretBoxError
from usersvc.workers.mail_render import MailTemplate
from usersvc.workers.mail_transport import MailTransport, failure_reason
from usersvc.workers.metrics import MAILS_DEAD, MAILS_SENT
from usersvc.workers.repositories import mails as outbox_mails

if TYPE_CHECKING:  # unit_of_work imports deps, which imports this module
    from usersvc.workers.unit_of_work import UnitOfWork

log = logging.getLogger("workers.mail")
# Mails claimed and sent at once by one worker; a lease outlasts their sends (15 s timeout each).
BATCH_SIZE = 10
LEASE_SECONDS = 60
LONGEST_RETRY = timedelta(minutes=15)
# Retries, and mails left behind by a worker that died, wait at most this long for a pass.
POLL_SECONDS = 5


def retry_delay(attempts: int, *, first: float) -> timedelta:
    """After the `attempts`-th failure: `first` seconds, doubling, at most 15 minutes."""
    return min(timedelta(seconds=first * 2 ** min(attempts - 1, 32)), LONGEST_RETRY)


class MailRelay:
    def __init__(
        self,
        *,
        transport: MailTransport,
        templates: dict[str, MailTemplate],
        secret_key: str,
        sender: str,
        retry_seconds: float,
        max_attempts: int,
    ) -> None:
        self._transport = transport
        self._templates = templates
        self._box = SecretBox(secret_key, purpose="mail")
        self._sender = sender
        self._retry_seconds = retry_seconds
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()

    async def queue(self, unit: "UnitOfWork", *, template: str, to: str, values: dict[str, str]) -> None:
        """In `unit`'s transaction: the mail leaves only if the change commits."""
        sealed = self._box.seal(orjson.dumps({"to": to, "values": values}))
        await unit.mails.add(template=template, sealed=sealed)
        unit.mails_queued = True

    def wake(self) -> None:
        """After a commit that queued mail: send now rather than at the next poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await self.send_due() == BATCH_SIZE:
                    pass
            except Exception:
                log.exception("mail relay pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def send_due(self) -> int:
        claimed = await outbox_mails.claim_due(lease_seconds=LEASE_SECONDS, limit=BATCH_SIZE)
        await asyncio.gather(*(self._deliver(mail) for mail in claimed))
        return len(claimed)

    async def _deliver(self, mail: dict[str, Any]) -> None:
        attempts = mail["attempts"] + 1
        try:
            content = orjson.loads(self._box.open(mail["sealed"]))
            message = self._templates[mail["template"]].compose(
                sender=self._sender, to=content["to"], values=content["values"]
            )
        except (SecretBoxError, KeyError, ValueError) as error:  # no retry can help
            await self._bury(mail, attempts=attempts, reason=f"cannot be composed: {type(error).__name__}")
            return
        try:
            await self._transport.send(message)
        except Exception as error:
            await self._failed(mail, attempts=attempts, reason=failure_reason(error))
            return
        await outbox_mails.settle(mail["id"], attempts=attempts, sent_at=_now())
        MAILS_SENT.inc()
        log.info("mail %s (%s) sent", mail["id"], mail["template"])

    async def _failed(self, mail: dict[str, Any], *, attempts: int, reason: str) -> None:
        if attempts >= self._max_attempts:
            await self._bury(mail, attempts=attempts, reason=reason)
            return
        delay = retry_delay(attempts, first=self._retry_seconds)
        await outbox_mails.settle(mail["id"], attempts=attempts, next_attempt_at=_now() + delay)
        log.warning(
            "mail %s (%s) not sent, attempt %s: %s; next try in %.0f s",
            mail["id"],
            mail["template"],
            attempts,
            reason,
            delay.total_seconds(),
        )

    async def _bury(self, mail: dict[str, Any], *, attempts: int, reason: str) -> None:
        """Dead: its content (a live token) is erased rather than kept for ever."""
        await outbox_mails.settle(mail["id"], attempts=attempts, failed_at=_now())
        MAILS_DEAD.inc()
        log.error("mail %s (%s) is dead after %s attempt(s): %s", mail["id"], mail["template"], attempts, reason)


def _now() -> datetime:
    return datetime.now(UTC)
