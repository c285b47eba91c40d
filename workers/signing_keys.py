"""Signing keys as the workers use them: the current ones (the access-token key and the ID
tokens' RSA key), read in the transaction that issues a token, and the public set the edge
verifies with (workers/handlers/signing_keys.py).

Reading the current key's id per issue (one indexed lookup) means no worker signs with a
key after its rotation or revocation has committed, without any notification to miss.
"""

import logging
from datetime import datetime

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.published_keys import KeySetDocument, PublishedKey
from usersvc.secret_box import SecretBox, SecretBoxError
from usersvc.signing_keys import ID_TOKEN_ALGORITHM, SigningKey, open_signing_key
from usersvc.workers.db_role_guard import stop_worker
from usersvc.workers.models import SigningKey as SigningKeyRow

log = logging.getLogger(__name__)
CURRENT_KEYS_SQL = (
    'SELECT "kid", "algorithm", "private_key" FROM "signing_keys" WHERE "retired_at" IS NULL AND "revoked_at" IS NULL'
)
# The access-token key: the one current key that is not the ID tokens' RSA key.
CURRENT_KEY_SQL = f"{CURRENT_KEYS_SQL} AND \"algorithm\" <> '{ID_TOKEN_ALGORITHM}'"
CURRENT_KEY_OF_SQL = f'{CURRENT_KEYS_SQL} AND "algorithm" = $1'


class CurrentSigningKey:
    """Two keys sign at a time (usersvc/signing_keys.py): `get` is the access-token key,
    `get_for(connection, "RS256")` the ID-token key. Each is opened once, when it first signs."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box
        self._opened: dict[str, SigningKey] = {}  # the current keys only, opened once

    async def get(self, connection: BaseDBAsyncClient) -> SigningKey:
        """The key that signs access tokens (JWT_ALGORITHM's kind), never the RSA one."""
        return self._open(await connection.execute_query_dict(CURRENT_KEY_SQL), "access-token")

    async def get_for(self, connection: BaseDBAsyncClient, algorithm: str) -> SigningKey:
        """The current key of this algorithm: `get_for(connection, "RS256")` signs ID tokens."""
        return self._open(await connection.execute_query_dict(CURRENT_KEY_OF_SQL, [algorithm]), algorithm)

    def _open(self, rows: list[dict], use: str) -> SigningKey:
        if not rows:
            log.error("no %s signing key in the database: run `usersvc migrate` or `usersvc keys rotate`", use)
            raise DomainError(ErrorCode.SERVICE_UNAVAILABLE, "No signing key is available")
        row = rows[0]
        key = self._opened.get(row["kid"])
        if key is None:
            key = open_signing_key(
                kid=row["kid"], algorithm=row["algorithm"], sealed_private_key=row["private_key"], box=self._box
            )
            # Keep the other use's key; a key of the same algorithm is replaced (rotated).
            kept = {kid: opened for kid, opened in self._opened.items() if _use(opened) != _use(key)}
            self._opened = {**kept, key.kid: key}
        return key


def _use(key: SigningKey) -> str:
    return "id" if key.algorithm == ID_TOKEN_ALGORITHM else "access"


async def require_signing_key(current: CurrentSigningKey, connection: BaseDBAsyncClient) -> None:
    """At start: a worker that could not sign a single token stops with one line instead.
    Both keys must be there: the access-token key and the ID tokens' RSA key."""
    try:
        await current.get(connection)
        await current.get_for(connection, ID_TOKEN_ALGORITHM)
        return
    except DomainError:
        problem = "a signing key is missing from the database: run `usersvc migrate` first"
    except SecretBoxError:
        problem = "SECRET_KEY cannot open the signing key: it differs from the one `usersvc migrate` used"
    except OperationalError as error:
        if not isinstance(error.__cause__, asyncpg.UndefinedTableError):
            raise
        problem = "DATABASE_URL names a database without usersvc's tables: run `usersvc migrate` first"
    stop_worker(problem)


def key_set_document(rows: list[SigningKeyRow], *, now: datetime) -> KeySetDocument:
    """The published set: the signing keys first (the access-token key, then the ID tokens'
    RSA key), then retired keys whose tokens may still be live, newest first. The version
    counts every state a key has entered, so it only grows."""
    version = sum(1 + (row.retired_at is not None) + (row.revoked_at is not None) for row in rows)
    live = [
        row
        for row in rows
        if row.revoked_at is None and (row.retired_at is None or (row.verify_until and now < row.verify_until))
    ]
    live.sort(
        key=lambda row: (
            row.retired_at is not None,
            row.algorithm == ID_TOKEN_ALGORITHM,
            -row.created_at.timestamp(),
        )
    )
    return KeySetDocument(
        version=version,
        keys=tuple(
            PublishedKey(jwk=row.public_jwk, verify_until=row.verify_until if row.retired_at else None) for row in live
        ),
    )
