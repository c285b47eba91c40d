"""Cached list pages survive writes that cannot move users between pages, and are never stale."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import redis

from tests.support import USER_PASSWORD, login, new_user_body
from usersvc.cache_keys import CacheKeys


def _list_queries(stack) -> float:
    """user.list round trips to the workers so far, all edge processes added up."""
    text = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    found = re.search(r'^usersvc_rpc_seconds_count\{command="user\.list"\} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _team(admin, size: int = 3) -> tuple[str, list[dict]]:
    tag = f"t{uuid.uuid4().hex[:10]}"
    bodies = [new_user_body(last_name=tag) for _ in range(size)]
    return tag, [admin.post("/v1/users", json=body).json() for body in bodies]


def test_a_login_leaves_cached_pages_valid_and_they_show_it(stack, admin):
    tag, team = _team(admin)
    page = {"search": tag, "sort": "username"}
    assert admin.get("/v1/users", params=page).status_code == 200  # fills the page
    before = _list_queries(stack)
    login(stack.base_url, USER_PASSWORD, username=team[0]["username"])
    listed = admin.get("/v1/users", params=page).json()["data"]
    assert _list_queries(stack) == before, "the page was read from the cache"
    logged_in = next(user for user in listed if user["id"] == team[0]["id"])
    assert logged_in["last_login_at"] is not None  # assembled from the users' current entries


def test_a_password_change_leaves_cached_pages_valid(stack, admin):
    """It changes no listed field: the cache must see a changed user, not a new one."""
    tag, team = _team(admin)
    page = {"search": tag, "sort": "username"}
    assert admin.get("/v1/users", params=page).status_code == 200  # fills the page
    before = _list_queries(stack)
    changed = admin.post(f"/v1/users/{team[0]['id']}/password", json={"new_password": "N3w!passw0rd"})
    assert changed.status_code == 204, changed.text
    assert admin.get("/v1/users", params=page).status_code == 200
    assert _list_queries(stack) == before, "the page was read from the cache"


def test_a_change_that_moves_a_user_between_pages_is_seen_at_once(stack, admin):
    tag, team = _team(admin)
    filtered = {"search": tag, "role": "user"}
    assert len(admin.get("/v1/users", params=filtered).json()["data"]) == 3
    assert admin.patch(f"/v1/users/{team[1]['id']}", json={"role": "moderator"}).status_code == 200
    assert {user["id"] for user in admin.get("/v1/users", params=filtered).json()["data"]} == {
        team[0]["id"],
        team[2]["id"],
    }
    assert admin.patch(f"/v1/users/{team[2]['id']}", json={"phone": "+1 555 0100"}).status_code == 200
    listed = admin.get("/v1/users", params=filtered).json()["data"]
    assert [user["phone"] for user in listed if user["id"] == team[2]["id"]] == ["+1 555 0100"]


def test_concurrent_misses_of_one_page_share_one_query_per_edge_process(stack, admin):
    tag, _ = _team(admin, size=2)
    page = {"search": tag, "page_size": 5}
    before = _list_queries(stack)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: admin.get("/v1/users", params=page).status_code, range(20)))
    assert statuses == [200] * 20
    assert _list_queries(stack) - before <= int(stack.env.get("EDGE_PROCESSES", "2"))


def test_a_page_whose_user_entry_is_gone_is_read_from_the_database_whole(stack, admin):
    """An entry evicted or expired in Redis: the page is a miss, never a page with a hole."""
    tag, team = _team(admin)
    page = {"search": tag, "sort": "username"}
    assert len(admin.get("/v1/users", params=page).json()["data"]) == 3  # fills the page
    assert admin.get("/v1/users", params=page).status_code == 200
    keys = CacheKeys(stack.env["REDIS_KEY_PREFIX"])
    redis.Redis.from_url(stack.env["REDIS_URL"]).delete(keys.user(team[1]["id"]))
    before = _list_queries(stack)
    listed = admin.get("/v1/users", params=page).json()["data"]
    assert {user["id"] for user in listed} == {user["id"] for user in team}
    assert _list_queries(stack) == before + 1, "the page went to the workers"
    admin.get("/v1/users", params=page)
    assert _list_queries(stack) == before + 1, "and is cached again, entry and all"
