"""The RPC client: one exclusive reply queue per edge process, correlation id → future.

FastStream's broker.request() serialises calls behind a lock and has no default timeout
(its ceiling is in docs/scaling.md), so replies are matched here instead, with a deadline on
every call.
"""

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika.abc
import aio_pika.exceptions
import aiormq.exceptions
import orjson
from faststream.rabbit import (
    Channel,
    ExchangeType,
    RabbitExchange,
    RabbitQueue,
)

from usersvc.broker_failover import ClusterBroker
from usersvc.domain.commands import Command
from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError
from usersvc.edge.metrics import RPC_SECONDS
from usersvc.settings import url_user
from usersvc.topology import COMMANDS_EXCHANGE

log = logging.getLogger(__name__)
# The actor of commands the edge sends on its own behalf (login, refresh, readiness, …).
EDGE_ACTOR = {"type": "service", "id": "edge"}
PUBLISH_TIMEOUT_SECONDS = 2.0


class RpcClient:
    def __init__(self, url: str, *, timeout_seconds: float) -> None:
        self.timeout = timeout_seconds
        # Sent as every command's `user_id`: RabbitMQ checks it against this connection's
        # user, and the workers trust only the edge's user to speak for users.
        self.broker_user = url_user(url)
        # Unroutable commands (no worker ever declared the queue) fail at once.
        self.broker = ClusterBroker(  # the URL may list several nodes of a cluster
            url, log_level=logging.DEBUG, fail_fast=False, logger=log, default_channel=Channel(on_return_raises=True)
        )
        self.reply_queue = f"usersvc.edge.replies.{uuid.uuid4().hex}"
        self._pending: dict[str, asyncio.Future] = {}

    def _on_reply(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message.body)

    async def start(self) -> None:
        await self.broker.start()
        # Declared here too, so an edge that starts before any worker answers 503 (no
        # route) instead of a channel-closing 404 on an exchange that does not exist yet.
        await self.broker.declare_exchange(RabbitExchange(COMMANDS_EXCHANGE, type=ExchangeType.DIRECT, durable=True))
        # Replies are consumed with aio-pika directly: a FastStream subscriber would run
        # dependency injection (and, for a bound method, a thread hop) on every reply.
        queue = await self.broker.declare_queue(
            RabbitQueue(self.reply_queue, exclusive=True, auto_delete=True, durable=False)
        )
        await queue.consume(self._on_reply_async, no_ack=True)

    async def _on_reply_async(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self._on_reply(message)

    async def stop(self) -> None:
        await self.broker.stop()

    async def ping(self, timeout: float) -> bool:
        return await self.broker.ping(timeout)

    async def call(
        self,
        command: Command,
        *,
        actor: dict,
        context: dict,
        message_id: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Send a command and return its reply's data (JSON, shaped by the command's reply
        schema), or raise ApiError with its code."""
        timeout = timeout or self.timeout
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        body = _command_body(command, actor=actor, context=context)
        started = time.perf_counter()
        try:
            await self._publish(
                command,
                body,
                reply_to=self.reply_queue,
                correlation_id=correlation_id,
                message_id=message_id or uuid.uuid4().hex,
                timeout=timeout,
            )
            try:
                raw = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise ApiError(ErrorCode.UPSTREAM_TIMEOUT, "No worker answered in time") from None
        finally:
            self._pending.pop(correlation_id, None)
            RPC_SECONDS.labels(command.ROUTING_KEY).observe(time.perf_counter() - started)
        reply = orjson.loads(raw)
        if reply.get("ok"):
            return reply.get("data")
        error = reply.get("error") or {}
        raise ApiError(
            error.get("code", ErrorCode.INTERNAL_ERROR), error.get("message", "Internal error"), error.get("details")
        )

    async def send(self, command: Command, *, actor: dict, context: dict, expires_in: float) -> None:
        """Publish without waiting for an answer: once the broker has it, the caller can be
        told so, in the same time whatever the command will find. It runs if a worker takes
        it within `expires_in` seconds."""
        await self._publish(
            command,
            _command_body(command, actor=actor, context=context),
            reply_to=None,
            correlation_id=None,
            message_id=uuid.uuid4().hex,
            timeout=expires_in,
        )

    async def _publish(
        self,
        command: Command,
        body: bytes,
        *,
        reply_to: str | None,
        correlation_id: str | None,
        message_id: str,
        timeout: float,
    ) -> None:
        try:
            await asyncio.wait_for(
                self.broker.publish(
                    body,
                    exchange=COMMANDS_EXCHANGE,
                    routing_key=command.ROUTING_KEY,
                    reply_to=reply_to,
                    correlation_id=correlation_id,
                    message_id=message_id,
                    user_id=self.broker_user,
                    content_type="application/json",
                    persist=True,
                    mandatory=True,
                    # A command nobody picked up in time must not run late (workers check too).
                    expiration=timedelta(seconds=timeout),
                    timestamp=datetime.now(UTC),
                ),
                PUBLISH_TIMEOUT_SECONDS,
            )
        except aio_pika.exceptions.PublishError:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "No worker has ever listened for this command") from None
        except (
            TimeoutError,
            ConnectionError,
            OSError,
            AssertionError,
            aio_pika.exceptions.AMQPError,
            aiormq.exceptions.ChannelInvalidStateError,
        ) as error:
            log.warning("publish failed: %r", error)
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The message broker is unavailable") from None


def _command_body(command: Command, *, actor: dict, context: dict) -> bytes:
    return orjson.dumps(
        {"actor": actor, "data": command.model_dump(mode="json", exclude_unset=True), "context": context}
    )
