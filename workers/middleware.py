"""Every command gets exactly one reply and a deliberate ack, whatever goes wrong.

- bad JSON or a body that fails validation: VALIDATION_ERROR, acked (retrying cannot help);
- a database/cache outage: SERVICE_UNAVAILABLE to a caller that waits for a reply; a
  fire-and-forget command is requeued instead, until the queue's delivery limit
  dead-letters it;
- a command past its expiration: UPSTREAM_TIMEOUT, not executed;
- any other exception: logged with its request id, INTERNAL_ERROR, requeued likewise when
  no one waits, dead-lettered at once when someone does (they have their answer).

Except one kind, which gets no reply at all: a command whose `reply_to` is not its caller's
own queue (workers/identity.py, `may_reply_to`) is acked, logged and counted, and neither
executed nor answered, so no caller can make the workers fill a queue of usersvc's.
"""

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import Enum

from faststream import BaseMiddleware
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from usersvc.domain.errors import DomainError, ErrorCode, field_errors_from_pydantic
from usersvc.domain.replies import Reply
from usersvc.settings import Settings
from usersvc.workers.db import DATABASE_OUTAGES
from usersvc.workers.identity import identify, may_reply_to
from usersvc.workers.message_scope import current_command_id, current_speaker
from usersvc.workers.metrics import REPLY_TARGETS_REFUSED

log = logging.getLogger("workers.commands")
TRANSIENT_ERRORS = (
    ConnectionError,
    OSError,
    RedisConnectionError,
    RedisTimeoutError,
    *DATABASE_OUTAGES,
)


def outage_behind(error: BaseException) -> bool:
    """An outage, or an error raised while one was being handled: a transaction's rollback on a
    connection PostgreSQL has just closed fails with asyncpg's InterfaceError, whose context
    is the outage itself."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, TRANSIENT_ERRORS):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class Settle(Enum):
    ACK = "ack"
    REQUEUE = "requeue"
    DEAD_LETTER = "dead-letter"


def _failure(code: ErrorCode, message: str, details=None) -> dict:
    return Reply.failure(DomainError(code, message, details)).to_json_dict()


def expired(message, *, now: datetime) -> bool:
    """Past `timestamp + expiration`: its caller has stopped waiting, so it must not run late."""
    if not message.expiration or not message.timestamp:
        return False
    sent = message.timestamp if message.timestamp.tzinfo else message.timestamp.replace(tzinfo=UTC)
    return now > sent + timedelta(seconds=float(message.expiration))


class CommandMiddleware(BaseMiddleware):
    """Made per message by FastStream; `settings` bound by command_middleware()."""

    settle = Settle.ACK

    def __init__(self, msg, /, *, context, settings: Settings) -> None:
        super().__init__(msg, context=context)
        self.settings = settings

    async def consume_scope(self, call_next, msg):
        settings = self.settings
        if msg.reply_to and not may_reply_to(
            msg.reply_to, broker_user=self.msg.user_id, edge_user=settings.edge_broker_user
        ):
            log.warning(
                "dropped %s from broker user %r: reply_to %r is not its own queue",
                self.msg.routing_key,
                self.msg.user_id,
                msg.reply_to[:100],
            )
            REPLY_TARGETS_REFUSED.inc()
            msg.reply_to = ""  # FastStream publishes what this returns to msg.reply_to: now nowhere
            return None
        waiting = bool(self.msg.reply_to)
        current_command_id.set(self.msg.message_id)
        try:
            current_speaker.set(
                identify(
                    broker_user=self.msg.user_id,
                    routing_key=self.msg.routing_key,
                    edge_user=settings.edge_broker_user,
                    services=settings.service_broker_users,
                )
            )
        except DomainError as refusal:  # refused before anything is parsed or touched
            log.warning("refused %s from broker user %r", self.msg.routing_key, self.msg.user_id)
            return Reply.failure(refusal).to_json_dict()
        if expired(self.msg, now=datetime.now(UTC)):
            return _failure(ErrorCode.UPSTREAM_TIMEOUT, "The command expired before a worker took it")
        try:
            return await call_next(msg)
        except DomainError as error:
            return Reply.failure(error).to_json_dict()
        except ValidationError as error:
            return _failure(
                ErrorCode.VALIDATION_ERROR, "Command validation failed", field_errors_from_pydantic(error.errors())
            )
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _failure(ErrorCode.VALIDATION_ERROR, "Command body is not valid JSON")
        except Exception as error:
            if outage_behind(error):
                log.warning("command %s hit an outage", self.msg.message_id, exc_info=True)
                self.settle = Settle.ACK if waiting else Settle.REQUEUE
                return _failure(ErrorCode.SERVICE_UNAVAILABLE, "A backing service is unavailable; retry")
            log.exception("command %s (%s) failed", self.msg.message_id, self.msg.routing_key)
            self.settle = Settle.DEAD_LETTER if waiting else Settle.REQUEUE
            return _failure(ErrorCode.INTERNAL_ERROR, "Internal error")

    async def after_processed(self, exc_type=None, exc_val=None, exc_tb=None):
        # Runs after the reply was published (reply first, then ack: a crash in between
        # redelivers, and the processed-command record answers the same again).
        if self.settle is Settle.ACK:
            await self.msg.ack()
        elif self.settle is Settle.REQUEUE:
            await self.msg.nack(requeue=True)
        else:
            await self.msg.reject(requeue=False)
        return False


def command_middleware(settings: Settings) -> Callable[..., CommandMiddleware]:
    """The middleware as the broker is given it: FastStream calls it with (msg, context=…)."""

    def make(msg, /, *, context) -> CommandMiddleware:
        return CommandMiddleware(msg, context=context, settings=settings)

    return make
