"""The public halves of the signing keys, as the edge reads them from Redis.

The edge never opens a database connection, so whoever changes keys (`usersvc keys`,
`usersvc migrate`) writes the set computed from the database here, and every worker writes
it again at start and every few seconds (a flushed Redis heals itself). The write also
publishes on a pub/sub channel, so every edge process reloads at once.

Each document carries a version that only grows with the keys' state (keys are never
deleted and their state only moves forward: signing → retired → revoked), and the write
script never replaces a newer version with an older one: a worker that read the database
just before a revocation cannot publish the revoked key again.
"""

from dataclasses import dataclass
from datetime import datetime

import orjson
from redis.asyncio import Redis

from usersvc.cache_keys import CacheKeys

# KEYS[1]: the hash holding `version` and `document`. ARGV: version, document, channel.
PUBLISH_SCRIPT = """
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if tonumber(ARGV[1]) < current then return 0 end
if redis.call('HGET', KEYS[1], 'document') == ARGV[2] then return 1 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'document', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
"""


@dataclass(frozen=True)
class PublishedKey:
    jwk: dict  # public members plus kid, alg, use
    verify_until: datetime | None  # None for the signing key; a retired key's tokens expire before

    def live(self, now: datetime) -> bool:
        return self.verify_until is None or now < self.verify_until


@dataclass(frozen=True)
class KeySetDocument:
    version: int
    keys: tuple[PublishedKey, ...]

    def encode(self) -> bytes:
        return orjson.dumps(
            {"version": self.version, "keys": [{"jwk": key.jwk, "verify_until": key.verify_until} for key in self.keys]}
        )

    @classmethod
    def decode(cls, raw: bytes | str) -> "KeySetDocument":
        body = orjson.loads(raw)
        return cls(
            version=body["version"],
            keys=tuple(
                PublishedKey(
                    jwk=entry["jwk"],
                    verify_until=entry["verify_until"] and datetime.fromisoformat(entry["verify_until"]),
                )
                for entry in body["keys"]
            ),
        )


async def publish(redis: Redis, keys: CacheKeys, document: KeySetDocument) -> bool:
    """False when Redis already holds a newer version."""
    written = await redis.eval(
        PUBLISH_SCRIPT, 1, keys.signing_keys(), document.version, document.encode(), keys.signing_keys_channel()
    )
    return bool(written)


async def read(redis: Redis, keys: CacheKeys) -> KeySetDocument | None:
    raw = await redis.hget(keys.signing_keys(), "document")
    return KeySetDocument.decode(raw) if raw else None
