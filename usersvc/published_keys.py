"""The public halves of the signing keys, as the workers announce them to the edge.

The edge never opens a database connection, and it never takes keys from Redis (whoever can
write there could otherwise add a key, keep a revoked one alive, or drop the current one).
It asks a worker (`signing_keys.get`) at start, after a lost broker connection, when a token
names a key it does not know and every little while; and `usersvc keys` announces each change
on the `usersvc.key-set` fanout exchange, where only the workers' broker user may publish
(edge/key_set.py, workers/key_admin.py).

Each document carries a version that only grows with the keys' state (keys are never
deleted and their state only moves forward: signing → retired → revoked), and an edge never
replaces a newer version with an older one: a worker that read the database just before a
revocation cannot bring the revoked key back.
"""

from dataclasses import dataclass
from datetime import datetime

import orjson


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

    def as_json(self) -> dict:
        """The wire form: a worker's reply to `signing_keys.get`, and each announcement's body."""
        return {
            "version": self.version,
            "keys": [
                {"jwk": key.jwk, "verify_until": key.verify_until and key.verify_until.isoformat()} for key in self.keys
            ],
        }

    def encode(self) -> bytes:
        return orjson.dumps(self.as_json())

    @classmethod
    def from_json(cls, body: dict) -> "KeySetDocument":
        """Raises KeyError, TypeError or ValueError for anything but the wire form."""
        return cls(
            version=int(body["version"]),
            keys=tuple(
                PublishedKey(
                    jwk=dict(entry["jwk"]),
                    verify_until=entry["verify_until"] and datetime.fromisoformat(entry["verify_until"]),
                )
                for entry in body["keys"]
            ),
        )

    @classmethod
    def decode(cls, raw: bytes | str) -> "KeySetDocument":
        return cls.from_json(orjson.loads(raw))
