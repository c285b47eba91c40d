"""Signing keys, the published set and the edge's verifier, without I/O."""

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import ECKey, OKPKey, RSAKey

from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.secret_box import SecretBoxError
from usersvc.signing_keys import generate_key, open_signing_key, signing_key_box, thumbprint
from usersvc.tokens import InvalidToken, TokenIssuer, TokenVerifier
from usersvc.workers import db_role_guard as role_guard
from usersvc.workers import signing_keys as worker_keys
from usersvc.workers.repositories import signing_keys as key_rows
from usersvc.workers.signing_keys import CurrentSigningKey, key_set_document

BOX = signing_key_box("s" * 40)
ISSUER, AUDIENCE = "https://id.example.com", "usersvc"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _key(algorithm: str = "EdDSA"):
    new = generate_key(algorithm, box=BOX)
    return new, open_signing_key(kid=new.kid, algorithm=algorithm, sealed_private_key=new.sealed_private_key, box=BOX)


def _token(key, **overrides) -> str:
    issued = TokenIssuer(issuer=ISSUER, audience=AUDIENCE, access_minutes=15, refresh_minutes=60).issue(
        key=key, user_id="u", session_id="s", role="user", now=datetime.now(UTC)
    )
    return issued.access_token


def test_the_kid_is_the_rfc_7638_thumbprint():
    # RFC 8037, appendix A.3: the thumbprint of its Ed25519 example key.
    example = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(example) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    for algorithm in ("EdDSA", "ES256", "RS256"):
        new, _ = _key(algorithm)
        assert new.kid == thumbprint(new.public_jwk) == new.public_jwk["kid"]
        assert new.public_jwk["alg"] == algorithm and new.public_jwk["use"] == "sig"
        assert "d" not in new.public_jwk  # no private member


# An independent implementation of RFC 7638 (joserfc, Authlib's successor) per key type.
JOSERFC_KEYS = {"OKP": OKPKey, "EC": ECKey, "RSA": RSAKey}


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
def test_the_kid_agrees_with_an_independent_thumbprint(algorithm):
    new, _ = _key(algorithm)
    public = {member: value for member, value in new.public_jwk.items() if member not in ("kid", "alg", "use")}
    assert new.kid == JOSERFC_KEYS[new.public_jwk["kty"]].import_key(public).thumbprint()


def test_the_rsa_thumbprint_is_rfc_7638s_example():
    # RFC 7638 §3.1: its RSA example key and the thumbprint the RFC gives for it.
    example = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB"
        "ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7"
        "d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
        "Cur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert thumbprint(example) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_the_id_token_key_is_rsa_2048_with_exponent_65537_and_only_public_members():
    new, key = _key("RS256")
    assert set(new.public_jwk) == {"kty", "n", "e", "kid", "alg", "use"}  # no key_ops, no private member
    assert (new.public_jwk["kty"], new.public_jwk["e"], new.public_jwk["alg"]) == ("RSA", "AQAB", "RS256")
    assert new.kid == thumbprint(new.public_jwk) == new.public_jwk["kid"]
    assert isinstance(key.private_key, rsa.RSAPrivateKey) and key.algorithm == "RS256"
    numbers = key.private_key.public_key().public_numbers()
    assert (key.private_key.key_size, numbers.e) == (2048, 65537)
    # An ID token signed with it verifies with the published JWK alone, as a relying party does.
    id_token = jwt.encode({"sub": "u", "aud": "client"}, key.private_key, algorithm="RS256", headers={"kid": new.kid})
    assert jwt.decode(id_token, jwt.PyJWK(new.public_jwk), algorithms=["RS256"], audience="client")["sub"] == "u"
    assert jwt.PyJWK(new.public_jwk).algorithm_name == "RS256"


def test_the_private_half_is_sealed_with_the_secret_key():
    new, _ = _key()
    assert "PRIVATE KEY" not in new.sealed_private_key
    with pytest.raises(SecretBoxError):
        open_signing_key(
            kid=new.kid,
            algorithm="EdDSA",
            sealed_private_key=new.sealed_private_key,
            box=signing_key_box("another-secret-key-of-enough-length!"),
        )


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256"])
def test_tokens_verify_with_the_published_key_and_carry_iss_aud_and_kid(algorithm):
    new, key = _key(algorithm)
    token = _token(key)
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "kid": new.kid, "typ": "JWT"}
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE)
    verifier.use_keys({new.kid: jwt.PyJWK(new.public_jwk)})
    claims = verifier.verify(token)
    assert (claims["iss"], claims["aud"], claims["type"], claims["role"]) == (ISSUER, AUDIENCE, "access", "user")


@pytest.mark.parametrize("audience", ["client-id", AUDIENCE])
def test_an_id_token_signed_with_the_rsa_key_is_refused_as_an_access_token(audience):
    """The edge verifies bearer tokens with every published key, the ID tokens' RSA key too:
    an ID token (no `type: access`, `aud` the client's) is refused, even with usersvc's `aud`."""
    access, access_key = _key("EdDSA")
    rsa_new, rsa_key = _key("RS256")
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE)
    verifier.use_keys({access.kid: jwt.PyJWK(access.public_jwk), rsa_new.kid: jwt.PyJWK(rsa_new.public_jwk)})
    now = int(time.time())
    id_token = jwt.encode(
        {
            "iss": ISSUER,
            "sub": "u",
            "aud": audience,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "nonce": "n",
            "sid": "s",
            "jti": "j",
            "amr": ["pwd"],
        },
        rsa_key.private_key,
        algorithm="RS256",
        headers={"kid": rsa_new.kid},
    )
    assert verifier.knows_signer(id_token)  # its key is known: no reload of the set
    with pytest.raises(InvalidToken):
        verifier.verify(id_token)
    assert verifier.verify(_token(access_key))["type"] == "access"  # the access-token key still verifies


def test_a_key_that_leaves_the_set_takes_its_cached_tokens_with_it():
    new, key = _key()
    other, _ = _key()
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE)
    verifier.use_keys({new.kid: jwt.PyJWK(new.public_jwk), other.kid: jwt.PyJWK(other.public_jwk)})
    token = _token(key)
    verifier.verify(token)  # now cached
    verifier.use_keys({other.kid: jwt.PyJWK(other.public_jwk)})
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_a_token_naming_an_unknown_key_asks_for_a_reload_and_is_refused():
    new, key = _key()
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE)
    token = _token(key)
    assert not verifier.knows_signer(token)
    assert verifier.knows_signer("not.a.token")  # refused anyway, no reload
    with pytest.raises(InvalidToken):
        verifier.verify(token)
    verifier.use_keys({new.kid: jwt.PyJWK(new.public_jwk)})
    assert verifier.knows_signer(token) and verifier.verify(token)["sub"] == "u"


def test_an_expired_token_says_so():
    new, key = _key()
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE)
    verifier.use_keys({new.kid: jwt.PyJWK(new.public_jwk)})
    expired = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "u",
            "sid": "s",
            "jti": "j",
            "type": "access",
            "iat": int(time.time()) - 120,
            "exp": int(time.time()) - 60,
        },
        key.private_key,
        algorithm="EdDSA",
        headers={"kid": new.kid},
    )
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(expired)
    assert refused.value.expired


def test_refresh_tokens_are_random_and_only_their_digest_is_kept():
    _, key = _key()
    issuer = TokenIssuer(issuer=ISSUER, audience=AUDIENCE, access_minutes=15, refresh_minutes=60)
    pairs = [issuer.issue(key=key, user_id="u", session_id="s", role="user", now=NOW) for _ in range(2)]
    assert pairs[0].refresh_token != pairs[1].refresh_token and len(pairs[0].refresh_token) >= 43
    assert pairs[0].refresh_token_hash == opaque_token_digest(pairs[0].refresh_token)
    assert pairs[0].refresh_token not in pairs[0].refresh_token_hash and len(pairs[0].refresh_token_hash) == 64


def _row(
    kid: str,
    *,
    created: int,
    retired: int | None = None,
    verify: int | None = None,
    revoked: int | None = None,
    algorithm: str = "EdDSA",
) -> SimpleNamespace:
    at = lambda minutes: None if minutes is None else NOW + timedelta(minutes=minutes)  # noqa: E731
    return SimpleNamespace(
        kid=kid,
        algorithm=algorithm,
        public_jwk={"kid": kid},
        created_at=at(created),
        retired_at=at(retired),
        verify_until=at(verify),
        revoked_at=at(revoked),
    )


def test_the_published_set_holds_the_signer_first_and_retired_keys_until_their_tokens_expire():
    rows = [
        _row("old", created=-100, retired=-50, verify=-30),
        _row("revoked", created=-40, revoked=-20),
        _row("retired", created=-30, retired=-5, verify=11),
        _row("signer", created=-5),
    ]
    document = key_set_document(rows, now=NOW)
    assert [key.jwk["kid"] for key in document.keys] == ["signer", "retired"]
    assert document.keys[0].verify_until is None and document.keys[1].verify_until == NOW + timedelta(minutes=11)


def test_the_version_grows_with_every_state_a_key_enters():
    signing = [_row("a", created=-5)]
    rotated = [_row("a", created=-5, retired=0, verify=16), _row("b", created=0)]
    revoked = [_row("a", created=-5, retired=0, verify=16, revoked=1), _row("b", created=0)]
    versions = [key_set_document(rows, now=NOW).version for rows in (signing, rotated, revoked)]
    assert versions == sorted(set(versions))


def test_the_published_set_holds_both_signers_first_the_access_token_key_before_the_rsa_key():
    rows = [
        _row("rsa", created=0, algorithm="RS256"),
        _row("rsa-retired", created=-30, retired=0, verify=16, algorithm="RS256"),
        _row("access-retired", created=-30, retired=0, verify=16),
        _row("access", created=0),  # made in the same transaction as "rsa": the same instant
        _row("rsa-revoked", created=-60, revoked=-40, algorithm="RS256"),
    ]
    document = key_set_document(rows, now=NOW)
    assert [key.jwk["kid"] for key in document.keys] == ["access", "rsa", "access-retired", "rsa-retired"]
    assert [key.verify_until for key in document.keys[:2]] == [None, None]


class FakeConnection:
    """What the signing-key repository asks of a connection: the current rows, as its SQL
    filters them."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows
        self.queries = 0

    async def execute_query_dict(self, sql: str, values: list | None = None) -> list[dict]:
        self.queries += 1
        if sql == key_rows.CURRENT_KEY_SQL:
            return [row for row in self.rows if row["algorithm"] != "RS256"]
        assert sql == key_rows.CURRENT_KEY_OF_SQL
        return [row for row in self.rows if row["algorithm"] == values[0]]


def _stored(new) -> dict:
    return {"kid": new.kid, "algorithm": new.algorithm, "private_key": new.sealed_private_key}


async def test_the_access_token_key_and_the_id_token_key_are_each_opened_once(monkeypatch):
    access, rsa_new = generate_key("EdDSA", box=BOX), generate_key("RS256", box=BOX)
    connection = FakeConnection([_stored(rsa_new), _stored(access)])  # the RSA row first: current must skip it
    current = CurrentSigningKey(BOX)
    opened: list[str] = []
    real_open = worker_keys.open_signing_key
    monkeypatch.setattr(
        worker_keys, "open_signing_key", lambda **kwargs: opened.append(kwargs["kid"]) or real_open(**kwargs)
    )
    for _ in range(3):  # alternating uses: each key is opened once, then kept
        assert current.open(await key_rows.current_key_row(connection)).kid == access.kid
        id_key = current.open(await key_rows.current_key_row(connection, "RS256"))
        assert (id_key.kid, id_key.algorithm) == (rsa_new.kid, "RS256")
    assert current.open(await key_rows.current_key_row(connection, "EdDSA")).kid == access.kid
    assert opened == [access.kid, rsa_new.kid]
    rotated = generate_key("RS256", box=BOX)
    connection.rows = [_stored(rotated), _stored(access)]
    assert current.open(await key_rows.current_key_row(connection, "RS256")).kid == rotated.kid
    assert current.open(await key_rows.current_key_row(connection)).kid == access.kid
    assert opened[-1] == rotated.kid and len(opened) == 3


@pytest.mark.parametrize("missing", ["EdDSA", "RS256"])
async def test_a_worker_without_either_current_key_stops_with_one_line(monkeypatch, missing):
    rows = [_stored(generate_key(algorithm, box=BOX)) for algorithm in ("EdDSA", "RS256") if algorithm != missing]
    stopped: list[str] = []
    connection = FakeConnection(rows)
    monkeypatch.setattr(role_guard, "stop_worker", stopped.append)
    monkeypatch.setattr(role_guard, "connections", SimpleNamespace(get=lambda name: connection))
    with pytest.raises(Exception, match="No signing key"):
        CurrentSigningKey(BOX).open(await key_rows.current_key_row(connection, missing))
    await role_guard.require_signing_key(CurrentSigningKey(BOX))
    assert stopped == ["a signing key is missing from the database: run `usersvc migrate` first"]
    stopped.clear()
    connection.rows = [*rows, _stored(generate_key(missing, box=BOX))]
    await role_guard.require_signing_key(CurrentSigningKey(BOX))
    assert stopped == []
