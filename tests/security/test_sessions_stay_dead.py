"""A revoked session never comes back (docs/api.md, "REST"): not through a concurrent role change
or refresh, and not past SESSION_MAX_AGE_DAYS however often it is refreshed."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import redis

from tests.support import Api, database, new_user_tokens

ROUNDS = 20
PAIRS_PER_ROUND = 3


def _race(*calls):
    """Run the calls at the same moment, each on its own thread; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result() for future in futures]


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _refresh(stack, refresh_token: str) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": refresh_token})


def _code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_logout_racing_a_role_change_stays_logged_out(stack, admin, make_user):
    revived = 0
    for _ in range(ROUNDS):
        user, api = make_user()
        logout, patch = _race(
            lambda: api.post("/v1/auth/logout"),
            lambda: admin.patch(f"/v1/users/{user['id']}", json={"role": "moderator"}),
        )
        assert (logout.status_code, patch.status_code) == (204, 200), (logout.text, patch.text)
        revived += api.get("/v1/auth/me").status_code != 401
    assert revived == 0, f"{revived} of {ROUNDS} logged-out sessions came back after a concurrent role change"


def test_a_refresh_racing_a_revoke_leaves_the_session_revoked(stack, admin):
    """The refresh commits first (it holds the session's row lock) and its cache write must
    land after the revoke's to revive it: rare from outside (the same ordering is forced in
    tests/integration/test_worker_cache.py), so this guards the end-to-end path."""
    revived = 0
    for _ in range(ROUNDS):
        # Several pairs at once: the busier the workers, the later a refresh's cache write lands.
        logins = [new_user_tokens(stack, admin) for _ in range(PAIRS_PER_ROUND)]
        calls = []
        for tokens in logins:
            session_id = _claims(tokens["access_token"])["sid"]
            calls += [
                lambda tokens=tokens: _refresh(stack, tokens["refresh_token"]),
                lambda session_id=session_id: admin.delete(f"/v1/auth/sessions/{session_id}"),
            ]
        results = _race(*calls)
        for tokens, refreshed, revoke in zip(logins, results[::2], results[1::2]):
            assert revoke.status_code == 204, revoke.text
            access_tokens = [tokens["access_token"]]
            if refreshed.status_code == 200:  # the refresh went first; the revoke still ends it
                access_tokens.append(refreshed.json()["access_token"])
                assert _code(_refresh(stack, refreshed.json()["refresh_token"])) == (401, "INVALID_TOKEN")
            revived += any(Api(stack.base_url, token).get("/v1/auth/me").status_code != 401 for token in access_tokens)
    total = ROUNDS * PAIRS_PER_ROUND
    assert revived == 0, f"{revived} of {total} revoked sessions came back after a concurrent refresh"


async def _set_session_created_at(stack, session_id: str, created_at: datetime) -> None:
    async with database(stack.owner_database_url) as connection:
        await connection.execute("UPDATE user_sessions SET created_at = $1 WHERE id = $2", created_at, session_id)


async def _session_expires_at(stack, session_id: str) -> datetime:
    async with database(stack.owner_database_url) as connection:
        return await connection.fetchval("SELECT expires_at FROM user_sessions WHERE id = $1", session_id)


def _forget_cached_session(stack, session_id: str) -> None:
    """The edge then asks a worker (session.check), which reads the database."""
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    try:
        client.delete(f"{stack.env['REDIS_KEY_PREFIX']}:session:{session_id}")
    finally:
        client.close()


async def test_a_refresh_never_extends_a_session_past_its_maximum_age(stack, admin):
    tokens = new_user_tokens(stack, admin)
    session_id = _claims(tokens["access_token"])["sid"]
    max_age = timedelta(days=float(stack.env.get("SESSION_MAX_AGE_DAYS", 30)))
    logged_in_at = datetime.now(UTC) - max_age + timedelta(days=1)  # one day left
    await _set_session_created_at(stack, session_id, logged_in_at)
    renewed = _refresh(stack, tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    ends_at = logged_in_at + max_age
    # The refresh TTL (7 days) would reach past the session's end: both are cut at it (the
    # refresh token is opaque; the session's expires_at is its expiry).
    assert await _session_expires_at(stack, session_id) <= ends_at
    assert _claims(renewed.json()["access_token"])["exp"] <= ends_at.timestamp() + 1


async def test_a_session_older_than_its_maximum_age_has_ended(stack, admin):
    tokens = new_user_tokens(stack, admin)
    session_id = _claims(tokens["access_token"])["sid"]
    max_age = timedelta(days=float(stack.env.get("SESSION_MAX_AGE_DAYS", 30)))
    await _set_session_created_at(stack, session_id, datetime.now(UTC) - max_age - timedelta(minutes=1))
    assert _code(_refresh(stack, tokens["refresh_token"])) == (401, "INVALID_TOKEN")
    api = Api(stack.base_url, tokens["access_token"])
    assert api.get("/v1/auth/sessions").json()["data"] == []  # session.list: not active
    _forget_cached_session(stack, session_id)
    assert _code(api.get("/v1/auth/me")) == (401, "INVALID_TOKEN")  # session.check: ended
