"""A plain aio-pika client, as another service would use (no usersvc code)."""

import asyncio
import json
import uuid

import aio_pika

from usersvc.settings import url_user

# Sent as the message's `user_id` property unless a test passes another (or None).
OWN = object()


class BusClient:
    def __init__(self, url: str, *, reply_queue: str = "") -> None:
        """`reply_queue` "" lets the broker name it; the edge's user may only use its own names."""
        self.url = url
        self.user = url_user(url)
        self.reply_queue = reply_queue
        self.futures: dict[str, asyncio.Future] = {}

    async def __aenter__(self) -> "BusClient":
        self.connection = await aio_pika.connect(self.url)
        self.channel = await self.connection.channel()
        self.replies = await self.channel.declare_queue(self.reply_queue, exclusive=True)
        self.exchange = await self.channel.get_exchange("usersvc.commands")
        await self.replies.consume(self._on_reply, no_ack=True)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.connection.close()

    async def _on_reply(self, message: aio_pika.IncomingMessage) -> None:
        future = self.futures.get(message.correlation_id)
        if future and not future.done():
            future.set_result(json.loads(message.body))

    async def call(
        self,
        routing_key: str,
        data: dict | None = None,
        *,
        message_id: str | None = None,
        actor: dict | None = None,
        raw: bytes | None = None,
        timeout: float = 15,
        user_id: object = OWN,
        context: dict | None = None,
    ) -> dict:
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self.futures[correlation_id] = future
        await self.send(
            routing_key,
            data,
            message_id=message_id,
            actor=actor,
            raw=raw,
            reply_to=self.replies.name,
            correlation_id=correlation_id,
            user_id=user_id,
            context=context,
        )
        return await asyncio.wait_for(future, timeout)

    async def send(
        self,
        routing_key: str,
        data: dict | None = None,
        *,
        message_id: str | None = None,
        actor: dict | None = None,
        raw: bytes | None = None,
        reply_to: str | None = None,
        correlation_id: str | None = None,
        user_id: object = OWN,
        context: dict | None = None,
        expiration: float | None = None,
    ) -> None:
        envelope = {"actor": actor or {"type": "service", "id": "tests"}, "data": data or {}}
        if context is not None:
            envelope["context"] = context
        body = raw if raw is not None else json.dumps(envelope).encode()
        await self.exchange.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                message_id=message_id or uuid.uuid4().hex,
                reply_to=reply_to,
                correlation_id=correlation_id,
                expiration=expiration,
                user_id=self.user if user_id is OWN else user_id,
            ),
            routing_key=routing_key,
        )
