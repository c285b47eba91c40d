"""How an edge process learns of key changes, against a real Redis (no stack needed): told on
the channel, by itself when a token names a key it does not know, and never backwards."""

import asyncio
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from redis.asyncio import Redis

from usersvc.cache_keys import CacheKeys
from usersvc.edge.key_set import EdgeKeySet
from usersvc.published_keys import KeySetDocument, PublishedKey, publish
from usersvc.signing_keys import generate_key, open_signing_key, signing_key_box
from usersvc.tokens import InvalidToken, TokenIssuer, TokenVerifier

BOX = signing_key_box("k" * 40)
ISSUER = TokenIssuer(issuer="https://id.example.com", audience="usersvc", access_minutes=15, refresh_minutes=60)


def _key():
    new = generate_key("EdDSA", box=BOX)
    signing = open_signing_key(kid=new.kid, algorithm="EdDSA", sealed_private_key=new.sealed_private_key, box=BOX)
    token = ISSUER.issue(key=signing, user_id="u", session_id="s", role="user", now=datetime.now(UTC)).access_token
    return PublishedKey(jwk=new.public_jwk, verify_until=None), f"Bearer {token}"


@pytest.fixture
async def edge():
    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    keys = CacheKeys(f"usersvc-test-keyset-{uuid.uuid4().hex[:8]}")
    verifier = TokenVerifier(issuer="https://id.example.com", audience="usersvc")
    key_set = EdgeKeySet(redis=redis, keys=keys, verifier=verifier)
    yield redis, keys, key_set
    await key_set.stop()
    await redis.delete(keys.signing_keys())
    await redis.aclose()


async def _eventually(check, *, within: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)


def _accepts(key_set: EdgeKeySet, bearer: str) -> bool:
    try:
        key_set.verifier.verify(bearer.removeprefix("Bearer "))
    except InvalidToken:
        return False
    return True


async def test_a_revocation_published_on_the_channel_reaches_the_edge_and_its_cached_tokens(edge):
    redis, keys, key_set = edge
    (first, first_token), (second, _) = _key(), _key()
    await publish(redis, keys, KeySetDocument(version=1, keys=(first,)))
    await key_set.start()
    assert _accepts(key_set, first_token)  # verified, now cached
    assert await publish(redis, keys, KeySetDocument(version=3, keys=(second,)))
    await _eventually(lambda: not _accepts(key_set, first_token))
    assert [key["kid"] for key in orjson.loads(key_set.jwks())["keys"]] == [second.jwk["kid"]]


async def test_a_token_of_a_key_the_edge_missed_makes_it_look_again(edge):
    redis, keys, key_set = edge
    (first, _), (second, second_token) = _key(), _key()
    await publish(redis, keys, KeySetDocument(version=1, keys=(first,)))
    await key_set.start()
    # Written without the pub/sub message, as if the edge had been reconnecting.
    await redis.hset(
        keys.signing_keys(),
        mapping={"version": 2, "document": KeySetDocument(version=2, keys=(first, second)).encode()},
    )
    assert not _accepts(key_set, second_token)
    await key_set.learn_signer_of(second_token)
    assert _accepts(key_set, second_token)


async def test_an_older_key_set_never_replaces_a_newer_one(edge):
    redis, keys, key_set = edge
    (revoked, revoked_token), (successor, _) = _key(), _key()
    await publish(redis, keys, KeySetDocument(version=4, keys=(successor,)))
    # A worker that read the database before the revocation publishes late: refused.
    assert not await publish(redis, keys, KeySetDocument(version=2, keys=(revoked, successor)))
    await key_set.start()
    await redis.hset(
        keys.signing_keys(),
        mapping={  # even when written past the script
            "version": 2,
            "document": KeySetDocument(version=2, keys=(revoked, successor)).encode(),
        },
    )
    await key_set.reload()
    assert not _accepts(key_set, revoked_token)
