"""Signing keys as the workers use them: the current ones, read in the transaction that
issues a token, and the public set the edge verifies with (workers/handlers/signing_keys.py).

Reading the current key's id per issue (one indexed lookup) means no worker signs with a
key after its rotation or revocation has committed, without any notification to miss.
"""

import logging
from datetime import datetime

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.published_keys import KeySetDocument, PublishedKey
from usersvc.secret_box import SecretBox
from usersvc.signing_keys import ID_TOKEN_ALGORITHM, SigningKey, open_signing_key
from usersvc.workers.models import SigningKey as SigningKeyRow

log = logging.getLogger(__name__)


class CurrentSigningKey:
    """Two keys sign at a time (usersvc/signing_keys.py): the access-token key
    (SigningKeysRepository.current) and the ID tokens' RSA key (current_for("RS256")). Each
    is opened once, when it first signs."""

    def __init__(self, box: SecretBox) -> None:
        self._box = box
        self._opened: dict[str, SigningKey] = {}  # the current keys only, opened once

    def open(self, row: dict | None) -> SigningKey:
        """The current key from its row (SigningKeysRepository.current, read in the
        transaction that issues a token), opened once."""
        if row is None:
            log.error("no signing key in the database: run `usersvc migrate` or `usersvc keys rotate`")
            raise DomainError(ErrorCode.SERVICE_UNAVAILABLE, "No signing key is available")
        key = self._opened.get(row["kid"])
        if key is None:
            key = open_signing_key(
                kid=row["kid"], algorithm=row["algorithm"], sealed_private_key=row["private_key"], box=self._box
            )
            # Keep the other use's key; drop keys that no longer sign.
            self._opened = {kid: opened for kid, opened in self._opened.items() if _use(opened) != _use(key)}
            self._opened[key.kid] = key
        return key


def _use(key: SigningKey) -> str:
    return "id" if key.algorithm == ID_TOKEN_ALGORITHM else "access"


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
