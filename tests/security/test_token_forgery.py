"""Forged access tokens are refused: a foreign key, `alg: none`, HS256 keyed with the public
key, a wrong `aud` or `iss`, an unknown `kid`, an algorithm the key was not made for.

Forgeries that need a valid signature are signed with the real signing key, read from the
database with the owner's URL and opened with the stack's SECRET_KEY, so each one differs
from an accepted token in exactly the property under attack; the same harness signs a
control token that must be accepted.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.support import Api, database, new_user_tokens
from usersvc.settings import DEVELOPMENT_SECRET_KEY
from usersvc.signing_keys import open_signing_key, signing_key_box, thumbprint


@pytest.fixture(scope="module")
async def real_key(stack):
    async with database(stack.owner_database_url) as connection:
        row = await connection.fetchrow(
            'SELECT "kid", "algorithm", "private_key", "public_jwk" FROM "signing_keys" '
            'WHERE "retired_at" IS NULL AND "revoked_at" IS NULL'
        )
    box = signing_key_box(stack.env.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY)
    return open_signing_key(
        kid=row["kid"], algorithm=row["algorithm"], sealed_private_key=row["private_key"], box=box
    ), json.loads(row["public_jwk"])


@pytest.fixture(scope="module")
def genuine(stack, admin):
    """The claims of a real, live session, and the issuer this stack signs with."""
    token = new_user_tokens(stack, admin)["access_token"]
    return jwt.decode(token, options={"verify_signature": False})


def _fresh(claims: dict, **changes) -> dict:
    now = int(time.time())
    return {**claims, "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex, **changes}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hand_made(header: dict, claims: dict, sign) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def _refused(stack, token: str) -> None:
    response = Api(stack.base_url, token).get("/v1/auth/me")
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "INVALID_TOKEN"


async def test_the_harness_signs_tokens_the_edge_accepts(stack, real_key, genuine):
    key, _ = real_key
    token = jwt.encode(_fresh(genuine), key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})
    assert Api(stack.base_url, token).get("/v1/auth/me").status_code == 200


async def test_a_token_signed_by_a_foreign_key_is_refused(stack, real_key, genuine):
    key, _ = real_key
    foreign = ed25519.Ed25519PrivateKey.generate()
    foreign_kid = thumbprint(jwt.algorithms.OKPAlgorithm.to_jwk(foreign.public_key(), as_dict=True))
    for kid in (foreign_kid, key.kid):  # its own kid, and the real key's
        _refused(stack, jwt.encode(_fresh(genuine), foreign, algorithm="EdDSA", headers={"kid": kid}))


async def test_alg_none_is_refused(stack, real_key, genuine):
    key, _ = real_key
    unsigned = _hand_made({"alg": "none", "typ": "JWT", "kid": key.kid}, _fresh(genuine), lambda _: b"")
    _refused(stack, unsigned)
    _refused(stack, unsigned.rstrip("."))


async def test_hs256_keyed_with_the_public_key_is_refused(stack, real_key, genuine):
    """The classic confusion: the verifier's public key used as an HMAC secret, in each form
    an attacker can get it (the served JWK, its raw `x`, PEM)."""
    key, public_jwk = real_key
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    secrets = [
        public_pem,
        json.dumps(public_jwk).encode(),
        public_jwk["x"].encode(),
        base64.urlsafe_b64decode(public_jwk["x"] + "=="),
    ]
    for secret in secrets:
        _refused(
            stack,
            _hand_made(
                {"alg": "HS256", "typ": "JWT", "kid": key.kid},
                _fresh(genuine),
                lambda data, secret=secret: hmac.new(secret, data, hashlib.sha256).digest(),
            ),
        )


async def test_another_algorithm_than_the_keys_own_is_refused(stack, real_key, genuine):
    """An ES256 token naming the EdDSA key's kid: the key decides the algorithm, not the token."""
    key, _ = real_key
    other = ec.generate_private_key(ec.SECP256R1())
    _refused(stack, jwt.encode(_fresh(genuine), other, algorithm="ES256", headers={"kid": key.kid}))


async def test_a_wrong_audience_or_issuer_is_refused_though_the_signature_is_ours(stack, real_key, genuine):
    key, _ = real_key
    for changes in ({"aud": "another-service"}, {"iss": "https://evil.example"}, {"aud": None}, {"iss": None}):
        claims = {name: value for name, value in _fresh(genuine, **changes).items() if value is not None}
        _refused(stack, jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid}))


async def test_an_unknown_or_missing_kid_is_refused_though_the_signature_is_ours(stack, real_key, genuine):
    key, _ = real_key
    for headers in ({"kid": "unknown-" + key.kid}, {}):
        _refused(stack, jwt.encode(_fresh(genuine), key.private_key, algorithm=key.algorithm, headers=headers))
    _refused(
        stack, _hand_made({"alg": "EdDSA", "typ": "JWT", "kid": [key.kid]}, _fresh(genuine), key.private_key.sign)
    )  # PyJWT would not encode a kid that is no string


async def test_a_token_of_another_type_is_refused(stack, real_key, genuine):
    key, _ = real_key
    for kind in ("refresh", "mfa", None):
        claims = {name: value for name, value in _fresh(genuine, type=kind).items() if value is not None}
        _refused(stack, jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid}))
