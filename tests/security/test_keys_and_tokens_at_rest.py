"""What a reader of the database gets: no usable refresh token, no usable signing key, and
(as the runtime role) no way to bring a revoked key back."""

import asyncpg
import httpx
import pytest

from tests.support import database, new_user_tokens


def _refresh(stack, token: str) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": token})


async def _stored_refresh_values(stack, session_id: str) -> list[str]:
    async with database(stack.owner_database_url) as connection:
        session = await connection.fetchrow('SELECT * FROM "user_sessions" WHERE "id" = $1', session_id)
        spent = await connection.fetch('SELECT * FROM "spent_refresh_tokens" WHERE "session_id" = $1', session_id)
    return [str(value) for row in [session, *spent] for value in dict(row).values() if value is not None]


async def test_the_database_holds_no_usable_refresh_token(stack, admin):
    first = new_user_tokens(stack, admin)
    second = _refresh(stack, first["refresh_token"]).json()  # so a spent token is stored too
    session_id = httpx.get(
        f"{stack.base_url}/v1/auth/sessions", headers={"Authorization": f"Bearer {second['access_token']}"}
    ).json()["data"][0]["id"]
    stored = await _stored_refresh_values(stack, session_id)
    assert len(stored) > 5
    for token in (first["refresh_token"], second["refresh_token"]):
        assert not any(token in value for value in stored)
    for value in stored:
        response = _refresh(stack, value)
        assert response.status_code == 401 and response.json()["error"]["code"] == "INVALID_TOKEN", value
    # None of those attempts counted as reuse: the holder's current token still works.
    assert _refresh(stack, second["refresh_token"]).status_code == 200


async def test_signing_keys_are_sealed_and_the_runtime_role_cannot_change_them(stack):
    async with database(stack.owner_database_url) as owner:
        keys = await owner.fetch('SELECT "kid", "private_key" FROM "signing_keys"')
    assert keys and not any("PRIVATE KEY" in key["private_key"] for key in keys)
    async with database(stack.database_url) as runtime:
        assert await runtime.fetchval('SELECT count(*) FROM "signing_keys"') == len(keys)  # workers read them
        for statement in (
            'UPDATE "signing_keys" SET "revoked_at" = NULL',
            'UPDATE "signing_keys" SET "verify_until" = now() + interval \'1 year\'',
            'DELETE FROM "signing_keys"',
            'INSERT INTO "signing_keys" ("kid", "algorithm", "public_jwk", "private_key", "created_at") '
            "VALUES ('forged', 'EdDSA', '{}', 'x', now())",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await runtime.execute(statement)
