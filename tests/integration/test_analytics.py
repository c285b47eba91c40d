"""GET /v1/analytics/summary against the running stack: live figures at most 10 s behind, a
seeded history counted by `usersvc analytics rebuild`, and the rebuild agreeing with the
workers' roll-up."""

import asyncio
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from tests.integration.oidc import signed_in_code
from tests.support import Api, database

SEEDED = date(2001, 3, 1)  # a history no other test writes into


def summary(api: Api, first: date, last: date):
    return api.get("/v1/analytics/summary", params={"from": first.isoformat(), "to": last.isoformat()})


def analytics_cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "usersvc.cli", "analytics", *args],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def queued(stack) -> int:
    async with database(stack.owner_database_url) as connection:
        return await connection.fetchval("SELECT count(*) FROM analytics_queue")


def settle(stack) -> None:
    """Until earlier tests' rows are rolled up and no cached answer predates that."""
    deadline = time.monotonic() + 20
    while asyncio.run(queued(stack)) and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(3.2)  # edge/routes/analytics.py CACHE_SECONDS


def today_of(admin: Api) -> dict:
    today = datetime.now(UTC).date()
    response = summary(admin, today, today)
    assert response.status_code == 200, response.text
    return response.json()["days"][0]


def flat(day: dict) -> dict:
    return {**{k: v for k, v in day.items() if k not in ("date", "sign_ins")}, **day["sign_ins"]}


def moves_within_10_seconds(admin: Api, before: dict, expected: dict) -> dict:
    """Today's figures that moved since `before`, by how much: once they match `expected`
    (CONTRACT: at most 10 s behind), or as they stand after 10 s."""
    started = time.monotonic()
    while True:
        after = flat(today_of(admin))
        moved = {name: after[name] - before[name] for name in after if after[name] != before[name]}
        if moved == expected or time.monotonic() - started > 10:
            return moved
        time.sleep(0.5)


def test_a_day_counts_sign_ups_sign_ins_and_failures_within_10_seconds(stack, admin, anonymous, make_user):
    settle(stack)
    before = flat(today_of(admin))

    user, _ = make_user()  # created by the admin, then signs in with its password
    wrong = anonymous.post("/v1/auth/login", json={"username": user["username"], "password": "Wrong-passw0rd"})
    nobody = anonymous.post("/v1/auth/login", json={"username": "no_such_user_here", "password": "Wrong-passw0rd"})
    assert (wrong.status_code, nobody.status_code) == (401, 401)
    expected = {"sign_ups": 1, "password": 1, "new_sessions": 1, "active_users": 1, "failed_sign_ins": 2}

    moved = moves_within_10_seconds(admin, before, expected)
    assert moved == expected


async def _seed(stack) -> None:
    """A known history: audit rows as the commands of those days left them."""
    day = lambda n, hour=12: datetime(2001, 3, 1 + n, hour, tzinfo=UTC)  # noqa: E731
    rows = [
        ("user.register", "u1", None, day(0)),
        ("user.create", "u2", None, day(0)),
        ("user.import", "u3", None, day(1)),
        ("auth.login", "u1", {"method": "password"}, day(1)),
        ("auth.login", "u1", {"method": "mfa", "second_factor": "totp"}, day(1, 23)),
        ("auth.login", "u2", {"method": "passkey", "amr": ["hwk"]}, day(1)),
        ("auth.login", "u3", {"method": "provider"}, day(2)),
        ("auth.login", "u1", {"amr": ["pwd", "otp"], "second_factor": "totp"}, day(2)),  # before "method"
        ("oauth.authorize", "u2", {"client_id": "wiki"}, day(2)),
        ("oauth.authorize", "u2", {"client_id": "wiki"}, day(3)),
        ("oauth.authorize", "u1", {"client_id": "billing"}, day(3)),
        ("auth.login_failed", "", {"refused": "invalid credentials"}, day(3)),
        ("auth.mfa_wrong_code", "u1", None, day(3)),
        ("auth.passkey_refused", "u2", None, day(3)),
        ("user.update", "u1", None, day(3)),  # not counted
        ("auth.login", "u9", {"method": "password"}, datetime(2001, 3, 5, 0, 0, tzinfo=UTC)),  # the 5th, UTC
    ]
    async with database(stack.owner_database_url) as connection:
        await connection.executemany(
            "INSERT INTO audit_logs (actor_type, actor_id, action, entity_type, entity_id, new_values, created_at) "
            "VALUES ('service', 'seed', $1, 'user', $2, $3::jsonb, $4)",
            [
                (action, entity, orjson.dumps(values).decode() if values else None, at)
                for action, entity, values, at in rows
            ],
        )


def test_usersvc_analytics_rebuild_counts_a_seeded_history(stack, admin):
    asyncio.run(_seed(stack))
    rebuilt = analytics_cli(stack, "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    time.sleep(3.2)  # a cached answer of the range, if any, is gone

    days = summary(admin, SEEDED, SEEDED + timedelta(days=6)).json()["days"]

    assert [day["date"] for day in days] == [f"2001-03-0{n}" for n in range(1, 8)]
    assert [day["sign_ups"] for day in days] == [2, 1, 0, 0, 0, 0, 0]
    assert [day["sign_ins"] for day in days[:5]] == [
        {"password": 0, "mfa": 0, "passkey": 0, "provider": 0, "client": 0},
        {"password": 1, "mfa": 1, "passkey": 1, "provider": 0, "client": 0},
        {"password": 0, "mfa": 1, "passkey": 0, "provider": 1, "client": 1},
        {"password": 0, "mfa": 0, "passkey": 0, "provider": 0, "client": 2},
        {"password": 1, "mfa": 0, "passkey": 0, "provider": 0, "client": 0},
    ]
    assert [day["active_users"] for day in days] == [0, 2, 3, 2, 1, 0, 0]
    assert [day["new_sessions"] for day in days] == [0, 3, 2, 0, 1, 0, 0]
    assert [day["failed_sign_ins"] for day in days] == [0, 0, 0, 3, 0, 0, 0]
    clients = admin.get("/v1/analytics/clients", params={"from": "2001-03-01", "to": "2001-03-31"}).json()
    assert clients["clients"] == [{"client_id": "wiki", "sign_ins": 2}, {"client_id": "billing", "sign_ins": 1}]


def test_the_rebuild_gives_the_numbers_the_roll_up_kept(stack, admin, make_user):
    make_user()
    settle(stack)
    first = datetime.now(UTC).date() - timedelta(days=2)
    kept = summary(admin, first, first + timedelta(days=2)).json()

    assert analytics_cli(stack, "rebuild").returncode == 0
    time.sleep(3.2)
    rebuilt = summary(admin, first, first + timedelta(days=2)).json()

    assert rebuilt["days"] == kept["days"] and rebuilt["totals"] == kept["totals"]
    assert kept["totals"]["users"] >= 2 and kept["totals"]["active_users_7d"] >= 1


def test_totals_follow_the_accounts(stack, admin, make_user):
    settle(stack)
    today = datetime.now(UTC).date()
    before = summary(admin, today, today).json()["totals"]
    user, _ = make_user()
    assert admin.delete(f"/v1/users/{user['id']}").status_code == 204
    make_user()
    time.sleep(3.2)
    after = summary(admin, today, today).json()["totals"]
    assert after["users"] == before["users"] + 1
    assert after["active_users_7d"] == before["active_users_7d"] + 2  # the deleted one signed in today too


def test_only_admins_see_the_analytics(stack, anonymous, make_user):
    today = datetime.now(UTC).date()
    assert summary(anonymous, today, today).status_code == 401
    for role in ("user", "moderator"):
        _, api = make_user(role)
        response = summary(api, today, today)
        assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-01-01"},
        {"to": "2026-01-01"},
        {"from": "2026-01-02", "to": "2026-01-01"},
        {"from": "2025-01-01", "to": "2026-01-03"},
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "01/01/2026", "to": "2026-01-02"},
    ],
)
def test_a_missing_backwards_too_long_or_malformed_range_is_422(admin, params):
    response = admin.get("/v1/analytics/summary", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_366_days_apart_answers_every_day_with_zeros(admin):
    response = summary(admin, date(2004, 1, 1), date(2005, 1, 1))  # a leap year; no audit row then
    assert response.status_code == 200
    days = response.json()["days"]
    assert len(days) == 367 and days[0]["date"] == "2004-01-01" and days[-1]["date"] == "2005-01-01"
    assert all(day["sign_ups"] == 0 and sum(day["sign_ins"].values()) == 0 for day in days)


def test_a_sign_in_through_a_client_counts_as_a_client_sign_in_for_that_client(
    stack, admin, register_client, make_user
):
    """The provider's sign-in page (a password sign-in) and the code issued to the client."""
    client = register_client()
    user, _ = make_user()
    settle(stack)
    before = flat(today_of(admin))

    answer, browser, _ = signed_in_code(stack, client, user)
    assert "code" in answer
    signed_in_code(stack, client, user, browser=browser)  # single sign-on: a second code, no password

    expected = {"password": 1, "new_sessions": 1, "client": 2}
    moved = moves_within_10_seconds(admin, before, expected)
    assert moved == expected  # active_users unchanged: make_user's login made the user active today
    today = datetime.now(UTC).date().isoformat()
    clients = admin.get("/v1/analytics/clients", params={"from": today, "to": today}).json()["clients"]
    assert {"client_id": client.client_id, "sign_ins": 2} in clients
