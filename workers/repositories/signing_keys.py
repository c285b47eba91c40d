"""Signing keys as the workers read them: the current one, read in the transaction that
issues a token (workers/signing_keys.py opens it), and all of them for the public set."""

from tortoise.backends.base.client import BaseDBAsyncClient

from usersvc.signing_keys import ID_TOKEN_ALGORITHM
from usersvc.workers.models import SigningKey
from usersvc.workers.repositories.base import Repository

KEY_OPERATIONS_LOCK = 0x7573_6B79  # pg_advisory_xact_lock id: one key operation at a time
CURRENT_KEYS_SQL = (
    'SELECT "kid", "algorithm", "private_key" FROM "signing_keys" WHERE "retired_at" IS NULL AND "revoked_at" IS NULL'
)
# The access-token key: the one current key that is not the ID tokens' RSA key.
CURRENT_KEY_SQL = f"{CURRENT_KEYS_SQL} AND \"algorithm\" <> '{ID_TOKEN_ALGORITHM}'"
CURRENT_KEY_OF_SQL = f'{CURRENT_KEYS_SQL} AND "algorithm" = $1'


async def current_key_row(connection: BaseDBAsyncClient, algorithm: str | None = None) -> dict | None:
    """The current key's kid, algorithm and sealed private key (the access-token key, or the
    current key of `algorithm`); None when there is none."""
    if algorithm is None:
        rows = await connection.execute_query_dict(CURRENT_KEY_SQL)
    else:
        rows = await connection.execute_query_dict(CURRENT_KEY_OF_SQL, [algorithm])
    return rows[0] if rows else None


class SigningKeysRepository(Repository):
    async def current(self) -> dict | None:
        """The access-token key's row."""
        return await current_key_row(self._db)

    async def current_for(self, algorithm: str) -> dict | None:
        """The current key of `algorithm`: "RS256" signs ID tokens."""
        return await current_key_row(self._db, algorithm)

    async def all(self) -> list[SigningKey]:
        return await SigningKey.all().using_db(self._db)

    # --- key operations (`usersvc keys`, as the schema owner) ---------------------------------

    async def lock_operations(self) -> None:
        """One key operation at a time, until the transaction ends."""
        await self._db.execute_query("SELECT pg_advisory_xact_lock($1)", [KEY_OPERATIONS_LOCK])

    async def signers(self) -> list[SigningKey]:
        """The current keys: one per use at most (the signing_keys_one_signer_per_use index)."""
        return await SigningKey.filter(retired_at=None, revoked_at=None).using_db(self._db)

    async def find(self, kid: str) -> SigningKey | None:
        return await SigningKey.filter(kid=kid).using_db(self._db).first()

    async def add(self, key: SigningKey) -> None:
        await key.save(using_db=self._db, force_create=True)

    async def update(self, key: SigningKey, fields: list[str]) -> None:
        await key.save(update_fields=fields, using_db=self._db)
