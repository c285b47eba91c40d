"""A plain aio-pika client, as another service would use (no usersvc code)."""

import asyncio
import json
import uuid

import aio_pika


class BusClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.futures: dict[str, asyncio.Future] = {}

    async def __aenter__(self) -> "BusClient":
        self.connection = await aio_pika.connect(self.url)
        self.channel = await self.connection.channel()
        self.replies = await self.channel.declare_queue(exclusive=True)
        self.exchange = await self.channel.get_exchange("usersvc.commands")
        await self.replies.consume(self._on_reply, no_ack=True)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.connection.close()

    async def _on_reply(self, message: aio_pika.IncomingMessage) -> None:
        future = self.futures.get(message.correlation_id)
        if future and not future.done():
            future.set_result(json.loads(message.body))

    async def call(self, routing_key: str, data: dict | None = None, *, message_id: str | None = None,
                   actor: dict | None = None, raw: bytes | None = None, timeout: float = 15) -> dict:
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self.futures[correlation_id] = future
        await self.send(routing_key, data, message_id=message_id, actor=actor, raw=raw,
                        reply_to=self.replies.name, correlation_id=correlation_id)
        return await asyncio.wait_for(future, timeout)

    async def send(self, routing_key: str, data: dict | None = None, *, message_id: str | None = None,
                   actor: dict | None = None, raw: bytes | None = None, reply_to: str | None = None,
                   correlation_id: str | None = None) -> None:
        body = raw if raw is not None else json.dumps(
            {"actor": actor or {"type": "service", "id": "tests"}, "data": data or {}}).encode()
        await self.exchange.publish(aio_pika.Message(
            body, content_type="application/json", message_id=message_id or uuid.uuid4().hex,
            reply_to=reply_to, correlation_id=correlation_id), routing_key=routing_key)
