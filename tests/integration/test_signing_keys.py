"""Tokens other services can verify: the published key set, rotation and revocation, of
both current keys (the access-token key, EdDSA here, and the ID tokens' RSA key).

Revocation refuses every token of a key, so these tests revoke only keys they rotated in
themselves: the session's other tokens (the `admin` fixture's) were signed by an older,
retired key and keep working.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import httpx
import jwt
import redis

from tests.support import Api, database, free_port, new_user_tokens, wait_ready
from usersvc.settings import DEVELOPMENT_SECRET_KEY
from usersvc.signing_keys import generate_key, signing_key_box
from usersvc.workers.db import apply_migrations, drop_database


def keys_cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "keys", *args], env=stack.env, capture_output=True, text=True, timeout=60
    )


def changed(output: str, label: str) -> dict[str, str]:
    """`signing: KID (ALG)` lines of `usersvc keys` → {ALG: KID}."""
    lines = [line.split() for line in output.splitlines() if line.startswith(f"{label}: ")]
    return {algorithm.strip("()"): kid for _, kid, algorithm in lines}


def rotate(stack, algorithm: str = "EdDSA") -> str:
    """Rotates the access-token key only; the new key's kid."""
    result = keys_cli(stack, "rotate", "--algorithm", algorithm)
    assert result.returncode == 0, result.stderr
    return changed(result.stdout, "signing")[algorithm]


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def served_kids(base_url: str) -> list[str]:
    return [key["kid"] for key in served_keys(base_url)]


def served_keys(base_url: str) -> list[dict]:
    return httpx.get(f"{base_url}/.well-known/jwks.json").json()["keys"]


async def current_keys(stack) -> dict[str, str]:
    """{algorithm: kid} of the keys that sign now, as the database has them."""
    async with database(stack.owner_database_url) as owner:
        rows = await owner.fetch(
            'SELECT "kid", "algorithm" FROM "signing_keys" WHERE "retired_at" IS NULL AND "revoked_at" IS NULL'
        )
    assert len(rows) == len({row["algorithm"] for row in rows})
    return {row["algorithm"]: row["kid"] for row in rows}


def discovery(stack) -> dict:
    return httpx.get(f"{stack.base_url}/.well-known/openid-configuration").json()


def verify_with_published_keys(stack, token: str) -> dict:
    """What another service does: nothing but PyJWT and the key set's URL."""
    config = discovery(stack)
    keys = jwt.PyJWKClient(f"{stack.base_url}/.well-known/jwks.json", cache_jwk_set=False)
    return jwt.decode(
        token, keys.get_signing_key_from_jwt(token), algorithms=["EdDSA"], audience="usersvc", issuer=config["issuer"]
    )


def test_a_service_verifies_access_tokens_with_the_published_key_set(stack, admin):
    tokens = new_user_tokens(stack, admin)
    claims = verify_with_published_keys(stack, tokens["access_token"])
    assert claims["sub"] == tokens["user"]["id"] and claims["type"] == "access" and claims["aud"] == "usersvc"
    assert {"sid", "role", "exp", "iat", "jti", "iss"} <= set(claims)
    response = httpx.get(f"{stack.base_url}/.well-known/jwks.json")
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("public, max-age=")
    key = response.json()["keys"][0]
    assert key["kid"] == kid_of(tokens["access_token"])
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert "d" not in key  # the private member never leaves


def test_the_discovery_document_says_where_the_keys_are(stack):
    response = httpx.get(f"{stack.base_url}/.well-known/openid-configuration")
    config = response.json()
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]
    assert config["jwks_uri"] == config["issuer"].rstrip("/") + "/.well-known/jwks.json"
    assert config["token_endpoint"].startswith(config["issuer"].rstrip("/") + "/")  # the OAuth token endpoint
    assert "RS256" in config["id_token_signing_alg_values_supported"]  # what the RSA key signs


def test_rotation_keeps_earlier_tokens_working_under_load(stack, admin):
    tokens = new_user_tokens(stack, admin)
    old_kid = kid_of(tokens["access_token"])
    statuses: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with httpx.Client(
            base_url=stack.base_url, timeout=10, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ) as client:
            while not stop.is_set():
                statuses.append(client.get("/v1/auth/me").status_code)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        time.sleep(0.5)
        before = len(statuses)
        new_kid = rotate(stack)
        time.sleep(1.5)
    finally:
        stop.set()
        asker.join()
    assert before > 0 and len(statuses) > before + 10
    assert set(statuses) == {200}
    served = served_kids(stack.base_url)
    assert new_kid != old_kid and served[0] == new_kid and served.index(old_kid) == 2  # the RSA key between
    fresh = new_user_tokens(stack, admin)  # the workers sign with the new key, no restart
    assert kid_of(fresh["access_token"]) == new_kid
    assert verify_with_published_keys(stack, fresh["access_token"])["sub"] == fresh["user"]["id"]
    assert verify_with_published_keys(stack, tokens["access_token"])["sub"] == tokens["user"]["id"]


def _refused_everywhere(base_urls: list[str], token: str, *, within: float) -> None:
    """Pub/sub tells every edge process before `usersvc keys` exits; `within` spares a busy machine."""
    started = time.monotonic()
    while True:
        responses = [Api(base_url, token).get("/v1/auth/me") for base_url in base_urls]
        if all(response.status_code == 401 for response in responses):
            assert {response.json()["error"]["code"] for response in responses} == {"INVALID_TOKEN"}
            return
        assert time.monotonic() - started < within, [response.status_code for response in responses]
        time.sleep(0.05)


def test_revoking_a_key_refuses_its_tokens_in_every_edge_process_at_once(stack, admin):
    port = free_port()
    second_edge = f"http://127.0.0.1:{port}"
    stack.spawn("edge-keys", "edge", PORT=str(port))
    try:
        wait_ready(second_edge)
        doomed_kid = rotate(stack)
        tokens = new_user_tokens(stack, admin)
        assert kid_of(tokens["access_token"]) == doomed_kid
        edges = [stack.base_url, second_edge]
        assert all(Api(base_url, tokens["access_token"]).get("/v1/auth/me").status_code == 200 for base_url in edges)
        result = keys_cli(stack, "revoke", "--", doomed_kid)  # a kid may start with "-"
        assert result.returncode == 0, result.stderr
        assert f"revoked: {doomed_kid}" in result.stdout
        _refused_everywhere(edges, tokens["access_token"], within=2.0)  # measured: on the first try
        assert all(doomed_kid not in served_kids(base_url) for base_url in edges)
        # What users see: their session lives on, and a refresh gets a token of the successor.
        renewed = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert renewed.status_code == 200, renewed.text
        successor = kid_of(renewed.json()["access_token"])
        assert successor != doomed_kid and served_kids(stack.base_url)[0] == successor
        assert all(
            Api(base_url, renewed.json()["access_token"]).get("/v1/auth/me").status_code == 200 for base_url in edges
        )
        assert admin.get("/v1/auth/me").status_code == 200  # an older, retired key's token
    finally:
        stack.stop("edge-keys")


def test_keys_list_shows_every_key_and_each_change_is_audited(stack, admin):
    new_kid = rotate(stack)
    listing = keys_cli(stack, "list")
    assert listing.returncode == 0, listing.stderr
    header, *lines = listing.stdout.splitlines()
    assert header.split()[:2] == ["KID", "ALG"]
    states = {line.split()[0]: line for line in lines}
    assert states[new_kid].split()[1] == "EdDSA" and "signing (access tokens)" in states[new_kid]
    [rsa] = [line for line in lines if line.split()[1] == "RS256" and "signing" in line]
    assert "signing (ID tokens)" in rsa
    assert any("retired, published until" in line for line in states.values())
    created = admin.get("/v1/audit-logs", params={"entity_id": new_kid}).json()["data"]
    assert [(row["action"], row["entity_type"]) for row in created] == [("signing_key.create", "signing_key")]
    retired = admin.get("/v1/audit-logs", params={"action": "signing_key.retire"}).json()["data"]
    assert retired and retired[0]["new_values"]["state"] == "retired"
    for row in created + retired:
        assert "private" not in str(row).lower() and "-----BEGIN" not in str(row)


def test_revoking_an_unknown_key_changes_nothing_and_says_so(stack):
    before = served_kids(stack.base_url)
    result = keys_cli(stack, "revoke", "--", "no-such-key")
    assert result.returncode != 0 and "no-such-key" in result.stderr
    assert served_kids(stack.base_url) == before


def test_a_worker_that_cannot_open_the_signing_key_stops_with_one_line(stack):
    env = {**stack.env, "SECRET_KEY": "another-secret-key-than-migrate-used-0123456789"}
    result = subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "SECRET_KEY cannot open the signing key" in output and "Traceback" not in output


async def test_migrates_racing_on_an_empty_database_make_one_key_per_use():
    """The advisory lock (and the one-signer-per-use index behind it) holds across processes."""
    name = f"usersvc_test_keys_{uuid.uuid4().hex[:8]}"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "ENVIRONMENT": "development", "DATABASE_URL": url, "REDIS_KEY_PREFIX": name}
    ensure = (
        "import asyncio; from usersvc.settings import Settings; "
        "from usersvc.workers.key_admin import ensure_signing_key; "
        "print(*(key.kid for key in asyncio.run(ensure_signing_key(Settings())).created))"
    )
    try:
        await apply_migrations(url)
        racers = [
            subprocess.Popen([sys.executable, "-c", ensure], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        created = [racer.communicate(timeout=60)[0].strip() for racer in racers]
        assert all(racer.returncode == 0 for racer in racers)
        async with database(url) as connection:
            rows = await connection.fetch('SELECT "kid", "algorithm" FROM "signing_keys"')
        assert sorted(row["algorithm"] for row in rows) == ["EdDSA", "RS256"]
        assert created.count("") == 3 and sorted(next(kids for kids in created if kids).split()) == sorted(
            row["kid"] for row in rows
        )
    finally:
        await drop_database(url)
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        client.delete(f"{name}:signing-keys")
        client.close()


async def test_migrate_made_both_keys_and_the_set_lists_them(stack, admin):
    current = await current_keys(stack)
    assert set(current) == {"EdDSA", "RS256"}
    served = {key["kid"]: key for key in served_keys(stack.base_url)}
    rsa = served[current["RS256"]]
    assert set(rsa) == {"kty", "n", "e", "kid", "alg", "use"} and (rsa["kty"], rsa["alg"], rsa["e"]) == (
        "RSA",
        "RS256",
        "AQAB",
    )
    assert list(served).index(current["EdDSA"]) < list(served).index(current["RS256"])
    # What a relying party does with an ID token: PyJWKClient finds the RSA key by its kid.
    client = jwt.PyJWKClient(f"{stack.base_url}/.well-known/jwks.json", cache_jwk_set=False)
    assert client.get_signing_key(current["RS256"]).algorithm_name == "RS256"
    # Access tokens are still signed with the EdDSA key, never the RSA one.
    assert kid_of(new_user_tokens(stack, admin)["access_token"]) == current["EdDSA"]


async def test_an_existing_database_gains_its_rsa_key_on_the_next_migrate():
    """A database from before ID tokens has one current key, the access-token key."""
    name = f"usersvc_test_keys_{uuid.uuid4().hex[:8]}"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "ENVIRONMENT": "development", "DATABASE_URL": url, "REDIS_KEY_PREFIX": name}
    old = generate_key("EdDSA", box=signing_key_box(DEVELOPMENT_SECRET_KEY))
    try:
        await apply_migrations(url)
        async with database(url) as connection:
            await connection.execute(
                'INSERT INTO "signing_keys" ("kid", "algorithm", "public_jwk", "private_key", "created_at") '
                "VALUES ($1, 'EdDSA', $2, $3, now())",
                old.kid,
                json.dumps(old.public_jwk),
                old.sealed_private_key,
            )
        result = subprocess.run(
            [sys.executable, "-m", "usersvc.cli", "migrate"], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        async with database(url) as connection:
            rows = await connection.fetch(
                'SELECT "kid", "algorithm" FROM "signing_keys" WHERE "retired_at" IS NULL AND "revoked_at" IS NULL'
            )
        current = {row["algorithm"]: row["kid"] for row in rows}
        assert current.keys() == {"EdDSA", "RS256"} and current["EdDSA"] == old.kid  # the old key signs on
        assert f"created signing key {current['RS256']} (RS256)" in result.stdout + result.stderr
    finally:
        await drop_database(url)


async def test_rotate_retires_and_replaces_every_current_key(stack, admin):
    before = await current_keys(stack)
    result = keys_cli(stack, "rotate")
    assert result.returncode == 0, result.stderr
    retired, created = changed(result.stdout, "retired"), changed(result.stdout, "signing")
    assert retired == before and set(created) == {"EdDSA", "RS256"}
    assert "confirmed by 1 of 1 edge process" in result.stdout
    assert await current_keys(stack) == created
    served = served_kids(stack.base_url)
    assert served[:2] == [created["EdDSA"], created["RS256"]]  # the signing keys first
    assert set(before.values()) <= set(served)  # the retired ones verify until their tokens expire
    assert kid_of(new_user_tokens(stack, admin)["access_token"]) == created["EdDSA"]
    for algorithm, kid in created.items():
        audit = admin.get("/v1/audit-logs", params={"entity_id": kid}).json()["data"]
        assert [(row["action"], row["new_values"]["algorithm"]) for row in audit] == [("signing_key.create", algorithm)]
        assert audit[0]["new_values"]["replaces"] == before[algorithm]


async def test_rotate_with_an_algorithm_changes_that_key_alone(stack, admin):
    before = await current_keys(stack)
    result = keys_cli(stack, "rotate", "--algorithm", "RS256")
    assert result.returncode == 0, result.stderr
    assert changed(result.stdout, "retired") == {"RS256": before["RS256"]}
    new_rsa = changed(result.stdout, "signing")["RS256"]
    assert await current_keys(stack) == {"EdDSA": before["EdDSA"], "RS256": new_rsa}
    assert served_kids(stack.base_url)[:2] == [before["EdDSA"], new_rsa]
    assert kid_of(new_user_tokens(stack, admin)["access_token"]) == before["EdDSA"]
    # JWT_ALGORITHM is EdDSA and no current key is ES256: nothing to rotate, nothing changes.
    refused = keys_cli(stack, "rotate", "--algorithm", "ES256")
    assert refused.returncode != 0 and "no current ES256 key" in refused.stderr
    assert await current_keys(stack) == {"EdDSA": before["EdDSA"], "RS256": new_rsa}


async def test_revoking_the_rsa_key_makes_a_successor_and_leaves_access_tokens_alone(stack, admin):
    tokens = new_user_tokens(stack, admin)
    before = await current_keys(stack)
    result = keys_cli(stack, "revoke", "--", before["RS256"])
    assert result.returncode == 0, result.stderr
    assert f"revoked: {before['RS256']} (RS256)" in result.stdout
    successor = changed(result.stdout, "signing")
    assert set(successor) == {"RS256"} and successor["RS256"] != before["RS256"]
    assert "confirmed by 1 of 1 edge process" in result.stdout
    assert await current_keys(stack) == {"EdDSA": before["EdDSA"], "RS256": successor["RS256"]}
    served = served_kids(stack.base_url)
    assert before["RS256"] not in served and served[:2] == [before["EdDSA"], successor["RS256"]]
    assert Api(stack.base_url, tokens["access_token"]).get("/v1/auth/me").status_code == 200
    revoked = admin.get("/v1/audit-logs", params={"entity_id": before["RS256"]}).json()["data"]
    assert "signing_key.revoke" in [row["action"] for row in revoked]
    async with database(stack.owner_database_url) as owner:
        destroyed = await owner.fetchval('SELECT "private_key" FROM "signing_keys" WHERE "kid" = $1', before["RS256"])
    assert destroyed == ""  # a revoked key's private part is gone
