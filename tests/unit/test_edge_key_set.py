"""How an edge process keeps its key set, with a fake bus in place of the RPC client: never
back to an older version, announcements adopted, and 503 rather than a possibly revoked key
once the broker has been gone too long to know."""

import asyncio
from datetime import UTC, datetime

import jwt
import pytest

from usersvc.domain.errors import ErrorCode
from usersvc.edge import key_set as key_set_module
from usersvc.edge.errors import ApiError
from usersvc.edge.key_set import EdgeKeySet
from usersvc.published_keys import KeySetDocument, PublishedKey
from usersvc.signing_keys import generate_key, open_signing_key, signing_key_box
from usersvc.tokens import InvalidToken, TokenIssuer, TokenVerifier

BOX = signing_key_box("k" * 40)
ISSUER = TokenIssuer(issuer="https://id.example.com", audience="usersvc", access_minutes=15, refresh_minutes=60)


def _rsa_key() -> tuple[PublishedKey, str]:
    """The ID tokens' key, and an ID token it signed."""
    new = generate_key("RS256", box=BOX)
    signing = open_signing_key(kid=new.kid, algorithm="RS256", sealed_private_key=new.sealed_private_key, box=BOX)
    id_token = jwt.encode(
        {"iss": "https://id.example.com", "sub": "u", "aud": "client", "sid": "s"},
        signing.private_key,
        algorithm="RS256",
        headers={"kid": new.kid},
    )
    return PublishedKey(jwk=new.public_jwk, verify_until=None), id_token


def _key() -> tuple[PublishedKey, str]:
    new = generate_key("EdDSA", box=BOX)
    signing = open_signing_key(kid=new.kid, algorithm="EdDSA", sealed_private_key=new.sealed_private_key, box=BOX)
    token = ISSUER.issue(key=signing, user_id="u", session_id="s", role="user", now=datetime.now(UTC)).access_token
    return PublishedKey(jwk=new.public_jwk, verify_until=None), token


class FakeBus:
    """What EdgeKeySet uses of the RPC client: ping, and call(signing_keys.get)."""

    broker_user = "edge"

    def __init__(self, document: KeySetDocument) -> None:
        self.document = document
        self.connected = True
        self.calls = 0

    async def ping(self, timeout: float) -> bool:
        return self.connected

    async def call(self, command, **_) -> dict:
        self.calls += 1
        if not self.connected:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The message broker is unavailable")
        return self.document.as_json()


class Announcement:
    def __init__(self, document: KeySetDocument) -> None:
        self.body = document.encode()
        self.correlation_id = None


def _accepts(key_set: EdgeKeySet, token: str) -> bool:
    try:
        key_set.verifier.verify(token)
    except InvalidToken:
        return False
    return True


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(key_set_module, "WATCH_SECONDS", 0.02)
    monkeypatch.setattr(key_set_module, "BLIND_SECONDS", 0.2)


async def test_an_older_set_never_replaces_a_newer_one():
    (first, first_token), (second, second_token) = _key(), _key()
    bus = FakeBus(KeySetDocument(version=2, keys=(second,)))
    key_set = EdgeKeySet(rpc=bus, verifier=TokenVerifier(issuer="https://id.example.com", audience="usersvc"))
    await key_set.fetch()
    await key_set._on_announcement(Announcement(KeySetDocument(version=1, keys=(first,))))
    assert not _accepts(key_set, first_token) and _accepts(key_set, second_token)
    await key_set._on_announcement(Announcement(KeySetDocument(version=3, keys=(first,))))
    assert _accepts(key_set, first_token) and not _accepts(key_set, second_token)


async def test_a_malformed_announcement_changes_nothing():
    (first, first_token) = _key()
    key_set = EdgeKeySet(
        rpc=FakeBus(KeySetDocument(version=1, keys=(first,))),
        verifier=TokenVerifier(issuer="https://id.example.com", audience="usersvc"),
    )
    await key_set.fetch()
    for body in (b"not json", b'{"version": 9}', b'{"version": "x", "keys": []}'):
        announcement = Announcement(KeySetDocument(version=1, keys=()))
        announcement.body = body
        await key_set._on_announcement(announcement)
    assert _accepts(key_set, first_token) and key_set.version() == 1


async def test_a_process_without_the_broker_for_too_long_refuses_bearer_tokens_until_it_fetched_again(quick):
    (first, token), (second, _) = _key(), _key()
    bus = FakeBus(KeySetDocument(version=1, keys=(first,)))
    key_set = EdgeKeySet(rpc=bus, verifier=TokenVerifier(issuer="https://id.example.com", audience="usersvc"))
    await key_set.fetch()
    watcher = asyncio.create_task(key_set._watch())
    try:
        bus.connected = False
        await asyncio.sleep(0.1)
        await key_set.learn_signer_of(f"Bearer {token}")  # not blind yet
        await asyncio.sleep(0.3)
        with pytest.raises(ApiError) as refused:
            await key_set.learn_signer_of(f"Bearer {token}")
        assert refused.value.code == ErrorCode.SERVICE_UNAVAILABLE
        await key_set.learn_signer_of(None)  # requests without a token are not its business
        # Meanwhile the key was revoked; the set fetched on reconnecting says so.
        bus.document = KeySetDocument(version=2, keys=(second,))
        bus.connected = True
        await asyncio.sleep(0.1)
        await key_set.learn_signer_of(f"Bearer {token}")
        assert key_set.version() == 2 and not _accepts(key_set, token)
    finally:
        watcher.cancel()


async def test_the_public_keys_verify_an_id_token_and_follow_the_set():
    (access, access_token), (rsa, id_token) = _key(), _rsa_key()
    bus = FakeBus(KeySetDocument(version=2, keys=(access, rsa)))
    key_set = EdgeKeySet(rpc=bus, verifier=TokenVerifier(issuer="https://id.example.com", audience="usersvc"))
    await key_set.fetch()
    keys = key_set.public_keys()
    assert set(keys) == {access.jwk["kid"], rsa.jwk["kid"]}
    key = keys[jwt.get_unverified_header(id_token)["kid"]]
    assert isinstance(key, jwt.PyJWK) and key.algorithm_name == "RS256"
    assert jwt.decode(id_token, key, algorithms=[key.algorithm_name], audience="client")["sid"] == "s"
    assert key_set.algorithms() == ["EdDSA", "RS256"]
    assert _accepts(key_set, access_token) and not _accepts(key_set, id_token)  # an ID token is no bearer token
    # Revoked: it leaves the public keys with the announcement.
    await key_set._on_announcement(Announcement(KeySetDocument(version=4, keys=(access,))))
    assert set(key_set.public_keys()) == {access.jwk["kid"]}
