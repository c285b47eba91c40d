"""The cache, rate limits, login back-off, sessions and key changes on a 3-node Redis Cluster
(conftest.py): the same behaviour as on one Redis, with the keys spread over the nodes."""

import re
import secrets
import subprocess
import sys
import time
import uuid

import httpx
import jwt
import orjson

from tests.support import USER_PASSWORD, Api, free_port, login, new_user_body, wait_ready
from usersvc.cache_keys import TOMBSTONE, CacheKeys


def rpc_count(stack, command: str) -> float:
    """Round trips of `command` to the workers so far: a cached read makes none."""
    text = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    found = re.search(rf'^usersvc_rpc_seconds_count\{{command="{re.escape(command)}"\}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def keys_of(stack) -> CacheKeys:
    return CacheKeys(stack.env["REDIS_KEY_PREFIX"])


def fresh_ip() -> str:
    return f"198.18.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def error_code(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, (response.json().get("error") or {}).get("code")


def test_the_stack_runs_on_every_node_and_serves_cached_reads(stack, admin, make_user, cluster):
    users = [make_user()[0] for _ in range(6)]
    before = rpc_count(stack, "user.get")
    for user in users:
        for _ in range(2):
            response = admin.get(f"/v1/users/{user['id']}")
            assert response.status_code == 200 and response.json()["id"] == user["id"]
    assert rpc_count(stack, "user.get") == before, "every read came from the cache"
    keys = keys_of(stack)
    assert all(orjson.loads(cluster.get(keys.user(user["id"])))["id"] == user["id"] for user in users)
    # The entries are spread: every primary holds some of this stack's keys.
    primaries = cluster.get_primaries()
    assert len(primaries) == 3
    assert all(cluster.execute_command("DBSIZE", target_nodes=node) > 0 for node in primaries)
    assert len({cluster.keyslot(keys.user(user["id"])) for user in users}) > 1


def test_a_change_is_never_stale_after_its_answer(stack, admin, make_user):
    user, own = make_user()
    before = rpc_count(stack, "user.get")
    for round_ in range(8):
        name = f"Name{round_}"
        changed = admin.patch(f"/v1/users/{user['id']}", json={"first_name": name})
        assert changed.status_code == 200
        for api in (admin, own):
            seen = api.get(f"/v1/users/{user['id']}")
            assert seen.json()["first_name"] == name
            assert seen.headers["ETag"] == changed.headers["ETag"]
    assert rpc_count(stack, "user.get") == before, "read from the cache, which the writes kept true"


def test_list_pages_are_cached_and_right_after_every_write(stack, admin):
    tag = f"t{uuid.uuid4().hex[:10]}"
    team = [admin.post("/v1/users", json=new_user_body(last_name=tag)).json() for _ in range(4)]
    ids = {user["id"] for user in team}
    page = {"search": tag, "role": "user", "sort": "username"}

    def listed() -> list[dict]:
        response = admin.get("/v1/users", params=page)
        assert response.status_code == 200
        return response.json()["data"]

    assert {user["id"] for user in listed()} == ids  # fills the page
    before = rpc_count(stack, "user.list")
    assert {user["id"] for user in listed()} == ids
    assert rpc_count(stack, "user.list") == before, "assembled from the cluster's entries"
    # A change that cannot move anyone between pages: the cached page, with the new entry.
    assert admin.patch(f"/v1/users/{team[0]['id']}", json={"phone": "+1 555 0100"}).status_code == 200
    assert [user["phone"] for user in listed() if user["id"] == team[0]["id"]] == ["+1 555 0100"]
    assert rpc_count(stack, "user.list") == before
    # Changes that move users out of the page: seen at once.
    assert admin.patch(f"/v1/users/{team[1]['id']}", json={"role": "moderator"}).status_code == 200
    assert {user["id"] for user in listed()} == ids - {team[1]["id"]}
    assert admin.delete(f"/v1/users/{team[2]['id']}").status_code == 204
    assert {user["id"] for user in listed()} == ids - {team[1]["id"], team[2]["id"]}
    assert rpc_count(stack, "user.list") > before
    settled = rpc_count(stack, "user.list")
    remaining = sorted((team[0], team[3]), key=lambda user: user["username"])
    assert [user["id"] for user in listed()] == [user["id"] for user in remaining]
    assert rpc_count(stack, "user.list") == settled, "the new page is cached in turn"


def test_rate_limits_count_across_the_cluster(stack, make_user):
    """An extra edge on the same cluster with low limits (the limits are settings)."""
    port = free_port()
    stack.spawn("cluster-edge-limited", "edge", PORT=str(port), RATE_LIMIT_READ="3/minute", RATE_LIMIT_LOGIN="2/minute")
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        moderator, _ = make_user("moderator")
        tokens = httpx.post(
            f"http://127.0.0.1:{port}/v1/auth/login",
            json={"username": moderator["username"], "password": USER_PASSWORD},
            headers={"X-Forwarded-For": fresh_ip()},
        ).json()
        api = Api(f"http://127.0.0.1:{port}", tokens["access_token"])
        if time.time() % 60 > 55:  # each limit is a fixed one-minute window: stay inside one
            time.sleep(60 - time.time() % 60 + 0.1)
        # Entity reads and list pages count on one per-user counter.
        reads = [api.get(f"/v1/users/{moderator['id']}"), api.get("/v1/users"), api.get("/v1/users")]
        limited = api.get(f"/v1/users/{moderator['id']}")
        client = {"X-Forwarded-For": fresh_ip()}
        logins = [
            httpx.post(
                f"http://127.0.0.1:{port}/v1/auth/login",
                json={"username": moderator["username"], "password": "Wr0ng!pass"},
                headers=client,
            )
            for _ in range(3)
        ]
    finally:
        stack.stop("cluster-edge-limited")
    assert [response.status_code for response in reads] == [200, 200, 200]
    assert [response.headers["X-RateLimit-Remaining"] for response in reads] == ["2", "1", "0"]
    assert error_code(limited) == (429, "RATE_LIMITED") and int(limited.headers["Retry-After"]) >= 1
    assert [error_code(response) for response in logins] == [
        (401, "INVALID_CREDENTIALS"),
        (401, "INVALID_CREDENTIALS"),
        (429, "RATE_LIMITED"),
    ]


def test_login_back_off_holds_an_account_back_and_lets_its_known_client_in(stack, make_user):
    user, _ = make_user()
    home = fresh_ip()

    def attempt(password: str, ip: str) -> httpx.Response:
        return httpx.post(
            f"{stack.base_url}/v1/auth/login",
            json={"username": user["username"], "password": password},
            headers={"X-Forwarded-For": ip},
        )

    threshold = int(stack.env["LOGIN_BACKOFF_THRESHOLD"])  # this folder's stack sets it low
    assert attempt(USER_PASSWORD, home).status_code == 200
    failures = [error_code(attempt("Wr0ng!pass", fresh_ip())) for _ in range(threshold)]
    assert failures == [(401, "INVALID_CREDENTIALS")] * threshold
    held = attempt(USER_PASSWORD, fresh_ip())
    assert error_code(held) == (429, "RATE_LIMITED") and 1 <= int(held.headers["Retry-After"]) <= 60
    assert attempt(USER_PASSWORD, home).status_code == 200  # a client that logged in lately
    assert attempt(USER_PASSWORD, fresh_ip()).status_code == 200  # and that success reset it


def test_logout_ends_the_session_at_once(stack, make_user, cluster):
    user, own = make_user()
    session_id = jwt.decode(own.token, options={"verify_signature": False})["sid"]
    assert own.get("/v1/auth/me").status_code == 200
    assert own.post("/v1/auth/logout").status_code == 204
    assert error_code(own.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert error_code(own.get(f"/v1/users/{user['id']}")) == (401, "INVALID_TOKEN")
    assert cluster.get(keys_of(stack).session(session_id)) == TOMBSTONE


def test_key_rotation_and_revocation_reach_the_edge(stack, admin):
    def keys_cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "usersvc.cli", "keys", *args], env=stack.env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def served() -> list[str]:
        return [key["kid"] for key in httpx.get(f"{stack.base_url}/.well-known/jwks.json").json()["keys"]]

    def eventually(check, within: float = 3.0) -> None:
        deadline = time.monotonic() + within
        while not check():
            assert time.monotonic() < deadline
            time.sleep(0.05)

    rotated = keys_cli("rotate", "--algorithm", "EdDSA").splitlines()
    new_kid = next(line.split()[1] for line in rotated if line.startswith("signing: "))
    eventually(lambda: served()[:1] == [new_kid])
    body = new_user_body()
    assert admin.post("/v1/users", json=body).status_code == 201
    fresh = login(stack.base_url, USER_PASSWORD, username=body["username"])
    assert jwt.get_unverified_header(fresh.token)["kid"] == new_kid
    assert fresh.get("/v1/auth/me").status_code == 200
    keys_cli("revoke", "--", new_kid)
    eventually(lambda: new_kid not in served())
    assert error_code(fresh.get("/v1/auth/me")) == (401, "INVALID_TOKEN")
    assert admin.get("/v1/auth/me").status_code == 200  # its key was retired, not revoked
