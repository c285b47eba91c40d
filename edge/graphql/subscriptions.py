"""`userEvents` over WebSocket, with the graphql-transport-ws protocol, on /graphql.

The client's `connection_init` carries `{"Authorization": "Bearer …"}`: it is admitted as a
REST request would be (token, live session, current role, the read limit), and only an
admin's connection is acknowledged; any other is closed with 4403. Each edge process that
has a subscriber consumes `user.created`, `user.updated` and `user.deleted` from the topic
exchange `usersvc.events` on an exclusive queue of its own (`usersvc.edge.events.<id>`, which
its broker user may declare and bind: usersvc/broker_access.py) and hands each event to
every subscription; the connection ends when the token expires.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from inspect import isawaitable
from typing import Any, cast

import aio_pika.abc
import orjson
from ariadne import SubscriptionType
from faststream.rabbit import RabbitQueue
from graphql import DocumentNode, GraphQLError, OperationType, get_operation_ast, subscribe
from sanic import Request
from sanic.server.protocols.websocket_protocol import WebSocketProtocol
from sanic.server.websockets.impl import ConnectionClosed

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.oauth import USERS_READ
from usersvc.domain.rbac import Role
from usersvc.edge.bus import RpcClient
from usersvc.edge.graphql.documents import checked_document, error_entry, format_error, introspection_on
from usersvc.edge.graphql.schema import executable_schema
from usersvc.edge.route_steps import admit
from usersvc.tokens import InvalidToken
from usersvc.topology import EVENTS_EXCHANGE

log = logging.getLogger("edge.graphql")
PROTOCOL = "graphql-transport-ws"
USER_EVENTS = ("user.created", "user.updated", "user.deleted")
INIT_TIMEOUT_SECONDS = 10
QUEUED_EVENTS = 1000  # per subscription; a subscriber that far behind misses events (logged)
FORBIDDEN, UNAUTHORIZED, BAD_REQUEST, INIT_TIMEOUT = 4403, 4401, 4400, 4408
TOO_MANY_INITS, DUPLICATE_ID = 4429, 4409


class EventFeed:
    """One edge process's queue on usersvc.events, fanned out to its subscriptions."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self.listeners: set[asyncio.Queue] = set()
        self._started: asyncio.Task | None = None

    async def _start(self) -> None:
        queue = await self.rpc.broker.declare_queue(
            RabbitQueue(f"usersvc.edge.events.{uuid.uuid4().hex}", exclusive=True, auto_delete=True, durable=False)
        )
        for routing_key in USER_EVENTS:
            await queue.bind(EVENTS_EXCHANGE, routing_key=routing_key)
        await queue.consume(self._on_event, no_ack=True)

    async def _on_event(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            event = orjson.loads(message.body)
        except orjson.JSONDecodeError:
            return
        for listener in self.listeners:
            try:
                listener.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("a userEvents subscriber is %d events behind; this one is dropped", QUEUED_EVENTS)

    async def listen(self) -> AsyncGenerator[dict, None]:
        if self._started is None or (self._started.done() and self._started.exception() is not None):
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)
        events: asyncio.Queue = asyncio.Queue(QUEUED_EVENTS)
        self.listeners.add(events)
        try:
            while True:
                yield await events.get()
        finally:
            self.listeners.discard(events)


subscription = SubscriptionType()


@subscription.source("userEvents")
async def user_events_source(_: Any, info) -> AsyncGenerator[dict, None]:
    app = info.context["request"].app
    if getattr(app.ctx, "event_feed", None) is None:
        app.ctx.event_feed = EventFeed(app.ctx.rpc)
    async for event in app.ctx.event_feed.listen():
        yield event


@subscription.field("userEvents")
def resolve_user_event(event: dict, _) -> dict:
    data = event.get("data") or {}
    return {"type": event.get("type"), "user_id": data.get("id"), "occurred_at": event.get("occurred_at")}


class Connection:
    """One WebSocket: the protocol's messages, one task per subscription."""

    def __init__(self, request: Request, ws) -> None:
        self.request, self.ws = request, ws
        self.acknowledged = False
        self.expires_at = 0.0
        self.running: dict[str, asyncio.Task] = {}

    async def send(self, message: dict) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)

    async def initialise(self, payload: Any) -> bool:
        """Admit the bearer of connection_init as a REST request is admitted; admins only."""
        header = payload.get("Authorization") or payload.get("authorization") if isinstance(payload, dict) else None
        if not isinstance(header, str):
            await self.close(FORBIDDEN, "Forbidden: connection_init carries no Authorization")
            return False
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise InvalidToken(expired=False)
            self.request.ctx.claims = self.request.app.ctx.gate.tokens.verify(token.strip())
            caller = await admit(self.request, client_scope=USERS_READ)
        except (InvalidToken, DomainError):
            await self.close(FORBIDDEN, "Forbidden")
            return False
        if caller.role != Role.ADMIN:
            await self.close(FORBIDDEN, "Forbidden: admins only")
            return False
        self.expires_at = float(self.request.ctx.claims.get("exp", time.time()))
        self.acknowledged = True
        await self.send({"type": "connection_ack"})
        return True

    async def start(self, message_id: str, payload: Any) -> None:
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            await self.close(BAD_REQUEST, "Invalid message: subscribe needs payload.query")
            return
        checked = checked_document(payload["query"], introspection_on(self.request.app.ctx.settings))
        errors = list(checked.errors)
        found = None if checked.document is None else get_operation_ast(checked.document, payload.get("operationName"))
        if not errors and (found is None or found.operation != OperationType.SUBSCRIPTION):
            errors = [GraphQLError("Only subscriptions are served over WebSocket; send queries to POST /graphql")]
        if errors:
            entries = [format_error(self.request, error) for error in errors]
            await self.send({"id": message_id, "type": "error", "payload": entries})
            return
        stream = subscribe(
            executable_schema(),
            cast(DocumentNode, checked.document),
            context_value={"request": self.request},
            variable_values=payload.get("variables") or {},
            operation_name=payload.get("operationName"),
        )
        if isawaitable(stream):
            stream = await stream
        if not hasattr(stream, "__aiter__"):  # refused before it started: an ExecutionResult
            entries = [format_error(self.request, error) for error in stream.errors or ()]
            await self.send({"id": message_id, "type": "error", "payload": entries})
            return
        self.running[message_id] = asyncio.ensure_future(self._relay(message_id, stream))

    async def _relay(self, message_id: str, stream) -> None:
        try:
            async for result in stream:
                payload: dict = {"data": result.data}
                if result.errors:
                    payload["errors"] = [format_error(self.request, error) for error in result.errors]
                await self.send({"id": message_id, "type": "next", "payload": payload})
            await self.send({"id": message_id, "type": "complete"})
        except (asyncio.CancelledError, ConnectionClosed):
            raise
        except Exception:  # the event feed could not start (the broker): say so, end this one
            log.exception("a userEvents subscription failed")
            entry = error_entry(self.request, ErrorCode.SERVICE_UNAVAILABLE.value, "The event feed is unavailable")
            with contextlib.suppress(Exception):
                await self.send({"id": message_id, "type": "error", "payload": [entry]})
        finally:
            self.running.pop(message_id, None)
            with contextlib.suppress(Exception):
                await stream.aclose()

    async def serve(self) -> None:
        try:
            first = await asyncio.wait_for(self.ws.recv(), INIT_TIMEOUT_SECONDS)
        except TimeoutError:
            await self.close(INIT_TIMEOUT, "Connection initialisation timeout")
            return
        message = _message(first)
        if message is None or message.get("type") != "connection_init":
            await self.close(UNAUTHORIZED, "Unauthorized")
            return
        if not await self.initialise(message.get("payload")):
            return
        while True:
            left = self.expires_at - time.time()
            if left <= 0:
                await self.close(FORBIDDEN, "Forbidden: the access token expired")
                return
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                continue
            if raw is None:
                return
            if not await self.handle(_message(raw)):
                return

    async def handle(self, received: dict | None) -> bool:
        """One client message; False once the connection is closed."""
        message = received or {}
        kind = message.get("type")
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self.close(TOO_MANY_INITS, "Too many initialisation requests")
            return False
        elif kind == "subscribe" and isinstance(message.get("id"), str):
            if message["id"] in self.running:
                await self.close(DUPLICATE_ID, f"Subscriber for {message['id']} already exists")
                return False
            await self.start(message["id"], message.get("payload"))
        elif kind == "complete" and isinstance(message.get("id"), str):
            task = self.running.pop(message["id"], None)
            if task is not None:
                task.cancel()
        else:
            await self.close(BAD_REQUEST, "Invalid message received")
            return False
        return True

    def stop(self) -> None:
        for task in self.running.values():
            task.cancel()


def _message(raw: Any) -> dict | None:
    try:
        message = orjson.loads(raw)
    except (orjson.JSONDecodeError, TypeError):
        return None
    return message if isinstance(message, dict) else None


async def serve_subscriptions(request: Request) -> None:
    """The WebSocket handshake (with the graphql-transport-ws subprotocol), then the protocol."""
    protocol = cast(WebSocketProtocol, request.transport.get_protocol())
    ws = await protocol.websocket_handshake(request, [PROTOCOL])
    connection = Connection(request, ws)
    task = asyncio.ensure_future(connection.serve())
    request.app.websocket_tasks.add(task)  # cancelled when the server stops
    try:
        await task
    except (asyncio.CancelledError, ConnectionClosed):  # shutdown, or the client left
        pass
    except Exception:
        log.exception("a GraphQL WebSocket failed")
    finally:
        connection.stop()
        request.app.websocket_tasks.discard(task)
        with contextlib.suppress(Exception):
            await ws.close()
