"""Adding, retiring and revoking signing keys: `usersvc keys …` and the first keys that
`usersvc migrate` makes. Nothing else changes keys.

Two keys sign at a time, one per use (usersvc/signing_keys.py): the access-token key, made
with JWT_ALGORITHM (EdDSA or ES256), and the ID tokens' RSA key (RS256). Each is rotated and
revoked on its own; a key's successor is made for the same use.

These run as the schema owner (MIGRATION_DATABASE_URL): the runtime role may only read
keys. One transaction per operation, serialised by an advisory lock, with an audit row
per key touched (public facts only) and an event for services that verify tokens
themselves; after the commit the public set is announced to every edge process over the bus
(workers/key_announcement.py). A key that no longer signs keeps no private half: retiring or
revoking it overwrites the sealed private key in the same transaction.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import iso_utc
from usersvc.settings import Settings
from usersvc.signing_keys import ALGORITHMS, ID_TOKEN_ALGORITHM, generate_key, signing_key_box
from usersvc.workers.bootstrap import BOOTSTRAP
from usersvc.workers.db import connected
from usersvc.workers.key_announcement import CONFIRM_SECONDS, Confirmation, announce
from usersvc.workers.models import SigningKey as SigningKeyRow
from usersvc.workers.signing_keys import key_set_document
from usersvc.workers.unit_of_work import UnitOfWork, outside_a_command, reading

log = logging.getLogger(__name__)
# A login whose transaction read the old key just before a rotation committed still signs
# with it; such a token expires at most this long after the access-token lifetime.
RETIREMENT_MARGIN = timedelta(minutes=1)
KEYS_CLI = Principal(kind="service", id="usersvc-keys", role=Role.ADMIN)
DESTROYED = ""  # what a retired or revoked key's private_key column holds


class UnknownKey(Exception):
    pass


class NoSuchSigningKey(Exception):
    """`keys rotate --algorithm` names an algorithm no current key has, nor JWT_ALGORITHM."""


@dataclass(frozen=True)
class KeyChange:
    kid: str
    algorithm: str


@dataclass(frozen=True)
class Outcome:
    """What an operation did, and which edge processes confirmed the new set (None when the
    broker could not be reached). Keys made and retired are listed access-token key first."""

    created: tuple[KeyChange, ...] = ()
    retired: tuple[KeyChange, ...] = ()
    revoked: KeyChange | None = None
    confirmation: Confirmation | None = None


def _owner_database(settings: Settings) -> AbstractAsyncContextManager[None]:
    return connected(settings.owner_database_url)


@asynccontextmanager
async def _key_operation(settings: Settings, principal: Principal) -> AsyncIterator[UnitOfWork]:
    async with outside_a_command(settings, principal) as unit:
        await unit.signing_keys.lock_operations()
        yield unit


def _for_id_tokens(algorithm: str) -> bool:
    return algorithm == ID_TOKEN_ALGORITHM


def _algorithm_for(settings: Settings, *, id_tokens: bool) -> str:
    """What a new key of this use is made with: JWT_ALGORITHM decides for access tokens."""
    return ID_TOKEN_ALGORITHM if id_tokens else settings.jwt_algorithm


async def _signers(unit: UnitOfWork) -> dict[bool, SigningKeyRow]:
    """The current keys by use (True: the ID tokens' key); at most one each (the
    signing_keys_one_signer_per_use index)."""
    return {_for_id_tokens(row.algorithm): row for row in await unit.signing_keys.signers()}


async def _create(unit: UnitOfWork, settings: Settings, *, id_tokens: bool, replaces: str | None) -> KeyChange:
    new = generate_key(_algorithm_for(settings, id_tokens=id_tokens), box=signing_key_box(settings.secret_key))
    await unit.signing_keys.add(
        SigningKeyRow(
            kid=new.kid,
            algorithm=new.algorithm,
            public_jwk=new.public_jwk,
            private_key=new.sealed_private_key,
            created_at=unit.now,
        )
    )
    unit.record(
        action="signing_key.create",
        entity_type="signing_key",
        entity_id=new.kid,
        old=None,
        new={"algorithm": new.algorithm, "state": "signing", "replaces": replaces},
        event="signing_key.created",
        event_data={"kid": new.kid, "algorithm": new.algorithm, "replaces": replaces, "created_at": iso_utc(unit.now)},
    )
    return KeyChange(kid=new.kid, algorithm=new.algorithm)


async def _retire(unit: UnitOfWork, settings: Settings, key: SigningKeyRow) -> None:
    """Signs no more; stays published as long as a token it signed may live."""
    key.retired_at = unit.now
    key.verify_until = unit.now + timedelta(minutes=settings.access_token_expire_minutes) + RETIREMENT_MARGIN
    key.private_key = DESTROYED
    await unit.signing_keys.update(key, ["retired_at", "verify_until", "private_key"])
    unit.record(
        action="signing_key.retire",
        entity_type="signing_key",
        entity_id=key.kid,
        old={"state": "signing"},
        new={"state": "retired", "verify_until": iso_utc(key.verify_until)},
    )


async def _announce(settings: Settings, *, wait_seconds: float) -> Confirmation | None:
    """The set as committed, to every edge process; None when the broker cannot be reached."""
    document = key_set_document(await reading(settings).signing_keys.all(), now=datetime.now(UTC))
    try:
        return await announce(settings.rabbitmq_url, document, wait_seconds=wait_seconds)
    except Exception as error:
        log.warning("the key change is committed, but announcing it failed (%s)", type(error).__name__)
        return None


async def ensure_signing_key(settings: Settings) -> Outcome:
    """`usersvc migrate`: a key for each use that has none signing yet (a database made
    before ID tokens gains its RSA key here); safe when run twice at once."""
    async with _owner_database(settings):
        async with _key_operation(settings, BOOTSTRAP) as unit:
            signers = await _signers(unit)
            created = [
                await _create(unit, settings, id_tokens=id_tokens, replaces=None)
                for id_tokens in (False, True)
                if id_tokens not in signers
            ]
        # Not announced: an edge process fetches the set when a token names a key it lacks.
        return Outcome(created=tuple(created))


def _uses_to_rotate(settings: Settings, signers: dict[bool, SigningKeyRow], algorithm: str | None) -> list[bool]:
    """Every use, or the one whose current key has this algorithm. Naming JWT_ALGORITHM
    also rotates the access-token key made with an earlier choice (it switches it over)."""
    if algorithm is None:
        return [False, True]
    id_tokens = _for_id_tokens(algorithm)
    current = signers.get(id_tokens)
    if algorithm not in ALGORITHMS or not (
        (current and current.algorithm == algorithm) or _algorithm_for(settings, id_tokens=id_tokens) == algorithm
    ):
        algorithms = ", ".join(row.algorithm for _, row in sorted(signers.items())) or "none"
        raise NoSuchSigningKey(
            f"no current {algorithm} key (the current keys: {algorithms}; JWT_ALGORITHM is {settings.jwt_algorithm})"
        )
    return [id_tokens]


async def rotate(settings: Settings, *, algorithm: str | None = None) -> Outcome:
    """Each current key (or only the one of `algorithm`) is retired and a successor made for
    the same use; a use without a current key gets one."""
    async with _owner_database(settings):
        async with _key_operation(settings, KEYS_CLI) as unit:
            signers = await _signers(unit)
            created, retired = [], []
            for id_tokens in _uses_to_rotate(settings, signers, algorithm):
                current = signers.get(id_tokens)
                if current:
                    await _retire(unit, settings, current)
                    retired.append(KeyChange(kid=current.kid, algorithm=current.algorithm))
                created.append(
                    await _create(unit, settings, id_tokens=id_tokens, replaces=current.kid if current else None)
                )
        return Outcome(
            created=tuple(created),
            retired=tuple(retired),
            confirmation=await _announce(settings, wait_seconds=CONFIRM_SECONDS),
        )


async def _revoke(unit: UnitOfWork, settings: Settings, key: SigningKeyRow) -> KeyChange | None:
    """Returns the successor when a signing key itself was revoked: made for the same use
    (the access-token key's with JWT_ALGORITHM, the ID tokens' RS256)."""
    was_signing = key.retired_at is None
    key.revoked_at = unit.now
    key.private_key = DESTROYED
    await unit.signing_keys.update(key, ["revoked_at", "private_key"])
    unit.record(
        action="signing_key.revoke",
        entity_type="signing_key",
        entity_id=key.kid,
        old={"state": "signing" if was_signing else "retired"},
        new={"state": "revoked", "revoked_at": iso_utc(unit.now)},
        event="signing_key.revoked",
        event_data={"kid": key.kid, "revoked_at": iso_utc(unit.now)},
    )
    if not was_signing:
        return None
    return await _create(unit, settings, id_tokens=_for_id_tokens(key.algorithm), replaces=key.kid)


async def revoke(settings: Settings, kid: str) -> Outcome:
    """Its tokens are refused at once. Revoking a signing key (either one) also makes its
    successor, so logins and sign-ins go on. A key revoked before is left as it is
    (`revoked` is then None), but announced again: running it twice is how an unconfirmed
    revocation is retried."""
    async with _owner_database(settings):
        async with _key_operation(settings, KEYS_CLI) as unit:
            key = await unit.signing_keys.find(kid)
            if key is None:
                raise UnknownKey(kid)
            revoked_now = key.revoked_at is None
            successor = await _revoke(unit, settings, key) if revoked_now else None
        return Outcome(
            created=(successor,) if successor else (),
            revoked=KeyChange(kid=kid, algorithm=key.algorithm) if revoked_now else None,
            confirmation=await _announce(settings, wait_seconds=CONFIRM_SECONDS),
        )


async def list_keys(settings: Settings) -> list[SigningKeyRow]:
    async with _owner_database(settings):
        keys = await reading(settings).signing_keys.all()
    return sorted(keys, key=lambda key: key.created_at, reverse=True)


def key_table(keys: list[SigningKeyRow]) -> list[str]:
    """`usersvc keys list`: newest first, one line per key."""
    now = datetime.now(UTC)
    lines = [f"{'KID':<44} {'ALG':<6} {'CREATED':<28} STATE"]  # ALG: RS256 signs ID tokens
    for key in keys:
        created = f"{key.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"
        lines.append(f"{key.kid:<44} {key.algorithm:<6} {created:<28} {_state(key, now=now)}")
    return lines


def _state(key: SigningKeyRow, *, now: datetime) -> str:
    if key.revoked_at:
        return f"revoked {iso_utc(key.revoked_at)}"
    if key.retired_at is None:
        return "signing (ID tokens)" if _for_id_tokens(key.algorithm) else "signing (access tokens)"
    if key.verify_until and now < key.verify_until:
        return f"retired, published until {iso_utc(key.verify_until)}"
    return f"retired {iso_utc(key.retired_at)}, no longer published"
