"""analytics.summary and analytics.clients over a known history (the rules of domain/analytics.py;
tests/integration/test_analytics.py holds the SQL roll-up and the rebuild to the same numbers)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from tests.fast.world import PASSWORD, World, new_profile
from usersvc.domain.analytics import GetAnalyticsSummary, GetClientSignIns
from usersvc.domain.commands import CreateUser, Login

TODAY = datetime.now(UTC).date()


def summary(first: date, last: date) -> GetAnalyticsSummary:
    return GetAnalyticsSummary(**{"from": first.isoformat(), "to": last.isoformat()})


def audited(world: World, action: str, *, on: date, user_id: str = "", **new_values: object) -> None:
    """An audit row as a command of that day would have left it."""
    world.store.audit.append(
        {
            "id": len(world.store.audit) + 1,
            "action": action,
            "entity_id": user_id,
            "new_values": new_values or None,
            "created_at": datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
        }
    )


async def test_the_commands_of_a_day_are_counted_by_kind_and_method(world: World):
    admin = world.user("admin")
    await world.ok(CreateUser(**new_profile("new_one")), as_user=admin)
    await world.ok(Login(username=admin.username, password=PASSWORD), edge_itself=True)
    await world.ok(Login(username=admin.username, password=PASSWORD), edge_itself=True)
    await world.refused(Login(username=admin.username, password="wrong"), "INVALID_CREDENTIALS", edge_itself=True)
    await world.refused(Login(username="nobody", password="wrong"), "INVALID_CREDENTIALS", edge_itself=True)

    (day,) = (await world.ok(summary(TODAY, TODAY), as_user=admin))["days"]

    assert day == {
        "date": TODAY.isoformat(),
        "sign_ups": 1,
        "sign_ins": {"password": 2, "mfa": 0, "passkey": 0, "provider": 0, "client": 0},
        "failed_sign_ins": 2,
        "active_users": 1,  # one user, twice
        "new_sessions": 2,
    }


async def test_every_day_of_the_range_appears_once_in_order_with_zeros(world: World):
    admin = world.user("admin")
    first = TODAY - timedelta(days=9)
    audited(world, "user.register", on=first + timedelta(days=2), user_id="a")
    audited(world, "user.import", on=first + timedelta(days=2), user_id="b")
    audited(world, "auth.login", on=first + timedelta(days=5), user_id="a", second_factor="totp")
    audited(world, "auth.login", on=first + timedelta(days=5), user_id="b", amr=["hwk"])
    audited(world, "auth.login", on=first + timedelta(days=5), user_id="b", method="provider")
    audited(world, "auth.mfa_wrong_code", on=first + timedelta(days=6), user_id="a")
    audited(world, "auth.passkey_refused", on=first + timedelta(days=6), user_id="b")
    audited(world, "user.update", on=first + timedelta(days=6), user_id="b")  # not counted
    audited(world, "user.register", on=first - timedelta(days=1), user_id="c")  # before the range

    days = (await world.ok(summary(first, TODAY), as_user=admin))["days"]

    assert [day["date"] for day in days] == [(first + timedelta(days=n)).isoformat() for n in range(10)]
    assert [day["sign_ups"] for day in days] == [0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert days[5]["sign_ins"] == {"password": 0, "mfa": 1, "passkey": 1, "provider": 1, "client": 0}
    assert (days[5]["active_users"], days[5]["new_sessions"]) == (2, 3)
    assert [day["failed_sign_ins"] for day in days] == [0, 0, 0, 0, 0, 0, 2, 0, 0, 0]


async def test_sign_ins_through_clients_count_per_client_and_as_active_users(world: World):
    admin = world.user("admin")
    audited(world, "oauth.authorize", on=TODAY, user_id="a", client_id="billing")
    audited(world, "oauth.authorize", on=TODAY, user_id="b", client_id="billing")
    audited(world, "oauth.authorize", on=TODAY - timedelta(days=1), user_id="a", client_id="wiki")

    report = await world.ok(summary(TODAY - timedelta(days=1), TODAY), as_user=admin)
    clients = await world.ok(
        GetClientSignIns(**{"from": (TODAY - timedelta(days=1)).isoformat(), "to": TODAY.isoformat()}),
        as_user=admin,
    )

    assert [day["sign_ins"]["client"] for day in report["days"]] == [1, 2]
    assert [day["active_users"] for day in report["days"]] == [1, 2]
    assert [day["new_sessions"] for day in report["days"]] == [0, 0]  # the clients' users had sessions
    assert clients["clients"] == [{"client_id": "billing", "sign_ins": 2}, {"client_id": "wiki", "sign_ins": 1}]


async def test_the_totals_are_the_accounts_now(world: World):
    admin = world.user("admin")
    world.user(mfa_enabled=True)
    gone = world.user(mfa_enabled=True)
    gone.deleted_at = datetime.now(UTC)
    audited(world, "auth.login", on=TODAY, user_id="a")
    audited(world, "auth.login", on=TODAY - timedelta(days=6), user_id="b")
    audited(world, "auth.login", on=TODAY - timedelta(days=7), user_id="c")  # outside the 7 days
    audited(world, "auth.login", on=TODAY - timedelta(days=30), user_id="d")  # outside the 30

    totals = (await world.ok(summary(TODAY, TODAY), as_user=admin))["totals"]

    assert totals == {"users": 2, "active_users_7d": 2, "active_users_30d": 3, "mfa_enabled": 1, "passkeys": 0}


@pytest.mark.parametrize("role", ["user", "moderator"])
async def test_only_admins_read_the_analytics(world: World, role):
    await world.refused(summary(TODAY, TODAY), "FORBIDDEN", as_user=world.user(role))


async def test_a_calling_service_reads_them(world: World):
    assert (await world.ok(summary(TODAY, TODAY), service="reporting"))["totals"]["users"] == 0


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-01-02", "2026-01-01"),
        ("2025-01-01", "2026-01-03"),
        ("2026-02-30", "2026-03-01"),
        ("yesterday", "2026-01-01"),
    ],
)
def test_a_range_backwards_too_long_or_not_dates_is_refused(first, last):
    with pytest.raises(ValidationError):
        GetAnalyticsSummary.model_validate({"from": first, "to": last})


def test_a_range_of_366_days_apart_is_allowed():
    query = GetAnalyticsSummary.model_validate({"from": "2024-01-01", "to": "2025-01-01"})
    assert len(query.days()) == 367
