"""The keys this edge process verifies access tokens (and ID tokens sent back to it, as an
`id_token_hint`) with, and the JWK set it serves.

The edge never opens a database connection, and it takes keys from nothing but the bus,
where only the workers' broker user can answer it or publish to the key-set exchange:
- at start, after a lost broker connection, every REFRESH_SECONDS, and (at most twice a
  second) when a token names a key it does not know, it asks a worker (`signing_keys.get`);
- `usersvc keys` announces each change on the `usersvc.key-set` fanout exchange, to a queue
  of this process's own, and this process confirms it (workers/key_announcement.py).
An edge process that has lost the broker for longer than BLIND_SECONDS cannot know whether a
key was revoked meanwhile: it answers bearer requests 503 until it has the set again.
Nothing in Redis is read here: a Redis writer can neither add a key nor keep a revoked one.
"""

import asyncio
import logging
import uuid
from datetime import UTC, datetime

import aio_pika.abc
import jwt
import orjson
from faststream.rabbit import ExchangeType, RabbitExchange, RabbitQueue

from usersvc.domain.commands import GetSigningKeys
from usersvc.domain.errors import ErrorCode
from usersvc.edge.bus import EDGE_ACTOR, RpcClient
from usersvc.edge.errors import ApiError
from usersvc.edge.single_flight import SharedResult
from usersvc.published_keys import KeySetDocument, PublishedKey
from usersvc.tokens import TokenVerifier
from usersvc.topology import (
    EDGE_PRESENCE_QUEUE,
    KEY_SET_ACKS_EXCHANGE,
    KEY_SET_EXCHANGE,
    edge_key_queue_name,
)

log = logging.getLogger(__name__)
WATCH_SECONDS = 0.5  # how often the broker connection is looked at
BLIND_SECONDS = 4.0  # `usersvc keys revoke` promises every edge process within 5 s
REFRESH_SECONDS = 30.0  # heals an announcement missed for any other reason
FETCH_TIMEOUT_SECONDS = 2.0
UNKNOWN_KEY_RELOAD_SECONDS = 0.5
KEY_SET = RabbitExchange(KEY_SET_EXCHANGE, type=ExchangeType.FANOUT, durable=True)
KEY_SET_ACKS = RabbitExchange(KEY_SET_ACKS_EXCHANGE, type=ExchangeType.DIRECT, durable=True)


class EdgeKeySet:
    def __init__(self, *, rpc: RpcClient, verifier: TokenVerifier) -> None:
        self.rpc = rpc
        self.verifier = verifier
        self.process_id = uuid.uuid4().hex
        self._document: KeySetDocument | None = None
        self._live: tuple[PublishedKey, ...] = ()
        self._public: dict[str, jwt.PyJWK] = {}
        self._served = orjson.dumps({"keys": []})
        self._fetch_now = SharedResult(self.fetch, max_age=UNKNOWN_KEY_RELOAD_SECONDS)
        self._watcher: asyncio.Task | None = None
        self._lost_at: float | None = None  # loop time the broker connection was found lost
        self._fetched_at = -REFRESH_SECONDS

    async def start(self) -> None:
        """After the RPC client has started: its connection carries the subscription too."""
        broker = self.rpc.broker
        key_set = await broker.declare_exchange(KEY_SET)
        await broker.declare_exchange(KEY_SET_ACKS)
        # Bound before this process is counted (the presence queue), so a counted process
        # always receives the announcement it is waited for.
        queue = await broker.declare_queue(
            RabbitQueue(edge_key_queue_name(self.process_id), exclusive=True, auto_delete=True, durable=False)
        )
        await queue.bind(key_set)
        await queue.consume(self._on_announcement, no_ack=True)
        presence = await broker.declare_queue(RabbitQueue(EDGE_PRESENCE_QUEUE, auto_delete=True, durable=False))
        await presence.consume(_never_sent, no_ack=True)
        try:
            await self.fetch()
        except Exception as error:  # the watcher keeps trying
            log.warning("cannot fetch the signing keys yet (%s): tokens are refused until a worker answers", error)
        self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watcher:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)

    async def fetch(self) -> None:
        """The set as a worker reads it from the database now: an answer also proves the
        broker connection is back, so nothing announced meanwhile is missed any longer."""
        data = await self.rpc.call(GetSigningKeys(), actor=EDGE_ACTOR, context={}, timeout=FETCH_TIMEOUT_SECONDS)
        self._adopt(KeySetDocument.from_json(data))
        self._fetched_at = asyncio.get_running_loop().time()
        self._lost_at = None

    def _adopt(self, document: KeySetDocument) -> None:
        # Never back to an older version: a revoked key does not come back.
        if self._document is None or document.version >= self._document.version:
            self._document = document
        self._apply()

    def _apply(self) -> None:
        """Retired keys leave the set when their last tokens have expired."""
        now = datetime.now(UTC)
        live = tuple(key for key in (self._document.keys if self._document else ()) if key.live(now))
        if live == self._live:
            return
        self._live = live
        self._public = {key.jwk["kid"]: jwt.PyJWK(key.jwk) for key in live}
        self.verifier.use_keys(self._public)
        self._served = orjson.dumps({"keys": [key.jwk for key in live]})
        log.info("verifying with signing keys %s", ", ".join(key.jwk["kid"] for key in live))

    def version(self) -> int | None:
        return self._document.version if self._document else None

    def jwks(self) -> bytes:
        self._apply()
        return self._served

    def public_keys(self) -> dict[str, jwt.PyJWK]:
        """Every key of the published set by kid, the RS256 key of ID tokens included: what
        verifies an ID token this provider issued (pin `algorithms` to the key's own
        `algorithm_name`). Check ready() first: while blind, a key in it may be revoked."""
        self._apply()
        return dict(self._public)

    def algorithms(self) -> list[str]:
        """The signing keys' algorithms first (the access-token key's, then RS256)."""
        return list(dict.fromkeys(key.jwk["alg"] for key in self._live))

    def blind(self) -> bool:
        """Broker lost for too long to trust that no key was revoked meanwhile."""
        return self._lost_at is not None and asyncio.get_running_loop().time() - self._lost_at > BLIND_SECONDS

    def ready(self) -> bool:
        """For /ready: a set to verify with, and one that can be trusted."""
        return self._document is not None and not self.blind()

    async def learn_signer_of(self, authorization: str | None) -> None:
        """Before a bearer token is verified: while blind, the set is fetched first (503 when
        that fails); a key newer than this process's set is looked up."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return
        if self.blind() or not self.verifier.knows_signer(token.strip()):
            try:
                await self._fetch_now.get()
            except Exception as error:  # then the token is refused as one of an unknown key
                log.warning("cannot fetch the signing keys (%s)", type(error).__name__)
        if self.blind():
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The signing keys cannot be confirmed: no broker connection")

    async def _on_announcement(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            document = KeySetDocument.decode(message.body)
        except (KeyError, TypeError, ValueError) as error:
            log.error("refusing a malformed key-set announcement (%s)", type(error).__name__)
            return
        self._adopt(document)
        if message.correlation_id:  # `usersvc keys` waits for every edge process to say so
            await self.rpc.broker.publish(
                orjson.dumps({"edge": self.process_id, "version": self.version()}),
                exchange=KEY_SET_ACKS,
                routing_key=message.correlation_id,
                user_id=self.rpc.broker_user,
                content_type="application/json",
            )

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                if not await self.rpc.ping(WATCH_SECONDS):
                    if self._lost_at is None:
                        self._lost_at = loop.time()
                        log.warning("broker connection lost: the signing keys are fetched again once it is back")
                    continue
                due = self._document is None or loop.time() - self._fetched_at > REFRESH_SECONDS
                if self._lost_at is not None or due:
                    await self.fetch()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the next pass tries again
                log.warning("fetching the signing keys failed (%s); retrying", type(error).__name__)


async def _never_sent(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    """The presence queue only counts consumers."""
