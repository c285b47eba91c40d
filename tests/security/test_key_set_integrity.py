"""Attacks on the set of keys the edge verifies tokens with (docs/api.md, "Tokens other
services can verify"): nothing written into Redis, and no broker user but the workers', can
add a key, keep a revoked one alive or make the edge refuse the current one; a revocation
reaches every edge process within 5 s or `usersvc keys revoke` says it could not confirm.
"""

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid

import aio_pika
import aio_pika.exceptions
import aiormq.exceptions
import jwt
import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.integration.test_signing_keys import keys_cli, kid_of, rotate, served_kids
from tests.support import Api, database, free_port, new_user_tokens, wait_ready
from usersvc.signing_keys import thumbprint
from usersvc.topology import KEY_SET_EXCHANGE


def _attacker_key() -> tuple[ed25519.Ed25519PrivateKey, dict]:
    private = ed25519.Ed25519PrivateKey.generate()
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    kid = thumbprint(jwk)
    return private, {**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}


def _admin_token_signed_by(private: ed25519.Ed25519PrivateKey, kid: str, genuine: str) -> str:
    """A token claiming what a real admin token claims, with a fresh id and lifetime."""
    claims = jwt.decode(genuine, options={"verify_signature": False})
    now = int(time.time())
    claims.update(iat=now, exp=now + 600, jti=uuid.uuid4().hex)
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})


def _forge_redis_key_set(stack, jwk: dict) -> None:
    """What an attacker with write access to Redis tries: a key set with a huge version and
    their key, where earlier versions of usersvc published the set, and a reload nudge."""
    prefix = stack.env["REDIS_KEY_PREFIX"]
    document = json.dumps({"version": 10**12, "keys": [{"jwk": jwk, "verify_until": None}]})
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    try:
        client.hset(f"{prefix}:signing-keys", mapping={"version": 10**12, "document": document})
        client.publish(f"{prefix}:signing-keys:changed", str(10**12))
    finally:
        client.close()


def test_a_key_set_written_into_redis_neither_adds_a_key_nor_blocks_a_revocation(stack, admin):
    private, jwk = _attacker_key()
    _forge_redis_key_set(stack, jwk)
    time.sleep(1)  # what a reload of the set would take
    forged = _admin_token_signed_by(private, jwk["kid"], admin.token)
    for attempt in (Api(stack.base_url, forged).get("/v1/users"), Api(stack.base_url, forged).get("/v1/auth/me")):
        assert attempt.status_code == 401, attempt.text
        assert attempt.json()["error"]["code"] == "INVALID_TOKEN"
    assert jwk["kid"] not in served_kids(stack.base_url)
    assert admin.get("/v1/users").status_code == 200  # the current keys still verify
    # Revocation goes on with Redis tampered with, or emptied.
    doomed = rotate(stack)
    tokens = new_user_tokens(stack, admin)
    assert kid_of(tokens["access_token"]) == doomed
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    for key in client.scan_iter(f"{stack.env['REDIS_KEY_PREFIX']}:signing-keys*"):
        client.delete(key)
    client.close()
    result = keys_cli(stack, "revoke", "--", doomed)
    assert result.returncode == 0, result.stderr
    assert "confirmed by 1 of 1 edge process" in result.stdout
    refused = Api(stack.base_url, tokens["access_token"]).get("/v1/auth/me")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "INVALID_TOKEN")
    renewed = Api(stack.base_url, new_user_tokens(stack, admin)["access_token"]).get("/v1/auth/me")
    assert renewed.status_code == 200, renewed.text  # no one is locked out


@pytest.mark.parametrize("speaker", ["service", "rogue", "edge"])
async def test_no_broker_user_but_the_workers_can_announce_a_key_set(stack, admin, speaker):
    private, jwk = _attacker_key()
    connection = await aio_pika.connect(stack.broker_urls[speaker])
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(KEY_SET_EXCHANGE, ensure=False)
        body = json.dumps({"version": 10**12, "keys": [{"jwk": jwk, "verify_until": None}]}).encode()
        user = stack.broker_urls[speaker].split("//")[1].split(":")[0]
        with pytest.raises((aio_pika.exceptions.ChannelClosed, aiormq.exceptions.ChannelAccessRefused)):
            await exchange.publish(aio_pika.Message(body, user_id=user), routing_key="")
    finally:
        await connection.close()
    await asyncio.sleep(0.5)
    forged = Api(stack.base_url, _admin_token_signed_by(private, jwk["kid"], admin.token)).get("/v1/auth/me")
    assert forged.status_code == 401, forged.text
    assert jwk["kid"] not in served_kids(stack.base_url)


def _edge_pids(parent: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    return [parent, *map(int, children)]


def test_revoke_waits_for_every_edge_process_and_fails_loudly_when_one_is_silent(stack, admin):
    port = free_port()
    second_edge = f"http://127.0.0.1:{port}"
    edge = stack.spawn("edge-silent", "edge", PORT=str(port), EDGE_PROCESSES="2")
    try:
        wait_ready(second_edge)
        time.sleep(1)  # both of its processes consume the presence queue
        doomed = rotate(stack)
        tokens = new_user_tokens(stack, admin)
        frozen = _edge_pids(edge.pid)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            result = keys_cli(stack, "revoke", "--", doomed)
            waited = time.monotonic() - started
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        assert result.returncode != 0
        assert "only 1 of 3 edge processes confirmed it within 5 s" in result.stderr, result.stderr
        assert waited < 20
        # The stack's own edge refused the key at once; the silent ones take it as they wake.
        refused = Api(stack.base_url, tokens["access_token"]).get("/v1/auth/me")
        assert refused.status_code == 401
        again = keys_cli(stack, "revoke", "--", doomed)  # the retry the message asks for
        assert again.returncode == 0, again.stderr
        assert "confirmed by 3 of 3 edge process" in again.stdout
        assert Api(second_edge, tokens["access_token"]).get("/v1/auth/me").status_code == 401
    finally:
        stack.stop("edge-silent")


async def test_a_key_that_no_longer_signs_keeps_no_private_part(stack, admin):
    retired_by_rotation = rotate(stack)
    rotate(stack)
    revoked = rotate(stack)
    assert keys_cli(stack, "revoke", "--", revoked).returncode == 0
    async with database(stack.owner_database_url) as owner:
        rows = await owner.fetch('SELECT "kid", "private_key", "retired_at", "revoked_at" FROM "signing_keys"')
    by_kid = {row["kid"]: row for row in rows}
    assert by_kid[retired_by_rotation]["private_key"] == "" and by_kid[revoked]["private_key"] == ""
    assert all(row["private_key"] == "" for row in rows if row["retired_at"] or row["revoked_at"])
    signing = [row for row in rows if not (row["retired_at"] or row["revoked_at"])]
    assert len(signing) == 2  # the access-token key and the ID tokens' RSA key
    assert all(row["private_key"].startswith("gAAAA") for row in signing)  # sealed (Fernet), still able to sign
