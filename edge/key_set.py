"""The keys this edge process verifies access tokens with, and the JWK set it serves.

The edge never opens a database connection: it reads the set that the workers and
`usersvc keys` publish in Redis (usersvc/published_keys.py). It reloads when told on the
set's pub/sub channel, so a rotation or revocation reaches every edge process within
milliseconds; every few seconds, in case a message was missed while reconnecting; and, at
most twice a second, when a token names a key it does not know yet.
"""

import asyncio
import logging
from datetime import UTC, datetime

import jwt
import orjson
from redis.asyncio import Redis

from usersvc.cache_keys import CacheKeys
from usersvc.edge.single_flight import SharedResult
from usersvc.published_keys import KeySetDocument, PublishedKey, read
from usersvc.tokens import TokenVerifier

log = logging.getLogger(__name__)
STOP_SECONDS = 2.0
POLL_SECONDS = 5.0
WAKE_SECONDS = 0.5  # how soon the follower notices stop() if its cancellation was swallowed
RETRY_SECONDS = 1.0
UNKNOWN_KEY_RELOAD_SECONDS = 0.5


class EdgeKeySet:
    def __init__(self, *, redis: Redis, keys: CacheKeys, verifier: TokenVerifier) -> None:
        self.redis = redis
        self.keys = keys
        self.verifier = verifier
        self._document: KeySetDocument | None = None
        self._live: tuple[PublishedKey, ...] = ()
        self._served = orjson.dumps({"keys": []})
        self._reload_for_unknown_key = SharedResult(self.reload, max_age=UNKNOWN_KEY_RELOAD_SECONDS)
        self._follower: asyncio.Task | None = None
        # redis-py can swallow a cancellation that lands while it subscribes (seen here), so
        # the follower also ends on this flag, at its next wake-up.
        self._stopping = False

    async def start(self) -> None:
        try:
            await self.reload()
        except Exception as error:  # the follower keeps trying
            log.warning("cannot read the signing keys yet (%s)", type(error).__name__)
        if not self._live:
            log.warning("no signing keys published yet: tokens are refused until a worker publishes them")
        self._follower = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        self._stopping = True
        if self._follower:
            self._follower.cancel()
            # Its pub/sub connection is closed before Redis is; but a cancelled redis-py
            # pub/sub read can hang in its close (seen in CI), so shutdown waits a bounded time.
            await asyncio.wait({self._follower}, timeout=STOP_SECONDS)

    async def reload(self) -> None:
        document = await read(self.redis, self.keys)
        # Never back to an older version: a revoked key does not come back.
        if document is not None and (self._document is None or document.version >= self._document.version):
            self._document = document
        self._apply()

    def _apply(self) -> None:
        """Retired keys leave the set when their last tokens have expired."""
        now = datetime.now(UTC)
        live = tuple(key for key in (self._document.keys if self._document else ()) if key.live(now))
        if live == self._live:
            return
        self._live = live
        self.verifier.use_keys({key.jwk["kid"]: jwt.PyJWK(key.jwk) for key in live})
        self._served = orjson.dumps({"keys": [key.jwk for key in live]})
        log.info("verifying with signing keys %s", ", ".join(key.jwk["kid"] for key in live))

    def jwks(self) -> bytes:
        self._apply()
        return self._served

    def algorithms(self) -> list[str]:
        """The signing key's algorithm first."""
        return list(dict.fromkeys(key.jwk["alg"] for key in self._live))

    async def learn_signer_of(self, authorization: str | None) -> None:
        """Before a bearer token is verified: a key newer than this process's set is looked up."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or self.verifier.knows_signer(token.strip()):
            return
        try:
            await self._reload_for_unknown_key.get()
        except Exception as error:  # then the token is refused as one of an unknown key
            log.warning("cannot reload the signing keys (%s)", type(error).__name__)

    async def _follow(self) -> None:
        channel = self.keys.signing_keys_channel()
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(channel)
                    await self.reload()  # whatever changed while not subscribed
                    next_poll = loop.time() + POLL_SECONDS
                    while not self._stopping:
                        told = await pubsub.get_message(ignore_subscribe_messages=True, timeout=WAKE_SECONDS)
                        if told or loop.time() >= next_poll:
                            await self.reload()
                            next_poll = loop.time() + POLL_SECONDS
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._stopping:
                    return
                log.warning("following the signing keys failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS)
