"""Taking an account over by moving it to another address, then resetting its password.

A moderator may not move anyone's address (nor act on other staff).
"""

import uuid

import pytest

from tests.integration.bus import BusClient
from tests.security.test_login_abuse import fresh_ipv4, outcome


def attacker_address() -> str:
    return f"attacker_{uuid.uuid4().hex[:10]}@example.com"


def from_elsewhere() -> dict:
    return {"X-Forwarded-For": fresh_ipv4()}


def current(admin, user: dict) -> dict:
    response = admin.get(f"/v1/users/{user['id']}")
    assert response.status_code == 200, response.text
    return response.json()


def profile_of(user: dict, **changes) -> dict:
    return {**{name: user[name] for name in ("username", "email", "first_name", "last_name", "phone")}, **changes}


# --- moderators ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "username"])
def test_a_moderator_cannot_move_a_plain_users_account(make_user, admin, field):
    victim, _ = make_user()
    _, moderator = make_user("moderator")
    value = attacker_address() if field == "email" else f"taken_{uuid.uuid4().hex[:10]}"
    before = current(admin, victim)
    refused = moderator.patch(f"/v1/users/{victim['id']}", json={field: value})
    assert outcome(refused) == (403, "FORBIDDEN")
    refused_with_more = moderator.patch(f"/v1/users/{victim['id']}", json={field: value, "last_name": "Moved"})
    assert outcome(refused_with_more) == (403, "FORBIDDEN")
    assert current(admin, victim) == before  # nothing changed at all


@pytest.mark.parametrize("fields", [{"first_name": "Hijacked"}, {"is_active": False}, {"email": None}])
def test_a_moderator_changes_nothing_of_another_moderator(make_user, admin, fields):
    other, _ = make_user("moderator")
    _, moderator = make_user("moderator")
    body = {name: attacker_address() if value is None else value for name, value in fields.items()}
    before = current(admin, other)
    assert outcome(moderator.patch(f"/v1/users/{other['id']}", json=body)) == (403, "FORBIDDEN")
    assert current(admin, other) == before


def test_a_moderator_still_manages_a_plain_users_names_phone_and_active_state(make_user):
    victim, _ = make_user()
    _, moderator = make_user("moderator")
    changes = {"first_name": "Ann", "last_name": "Other", "phone": "+1 555 0100", "is_active": False}
    changed = moderator.patch(f"/v1/users/{victim['id']}", json=changes)
    assert changed.status_code == 200, changed.text
    assert {name: changed.json()[name] for name in changes} == changes


def test_a_moderators_put_is_refused(make_user, admin):
    victim, _ = make_user()
    _, moderator = make_user("moderator")
    replaced = moderator.put(f"/v1/users/{victim['id']}", json=profile_of(victim, email=attacker_address()))
    assert outcome(replaced) == (403, "FORBIDDEN")
    assert current(admin, victim)["email"] == victim["email"]


@pytest.mark.parametrize("target_role, data", [("user", {"email": None}), ("moderator", {"last_name": "X"})])
async def test_the_workers_hold_moderators_to_the_same_rule(stack, make_user, admin, target_role, data):
    """Sent as the edge would send it for a moderator, past the edge's own early check."""
    victim, _ = make_user(target_role)
    moderator, _ = make_user("moderator")
    data = {name: attacker_address() if value is None else value for name, value in data.items()}
    before = current(admin, victim)
    async with BusClient(stack.broker_urls["edge"], reply_queue=f"usersvc.edge.replies.{uuid.uuid4().hex}") as edge:
        reply = await edge.call(
            "user.update", {**data, "user_id": victim["id"]}, actor={"type": "user", "id": moderator["id"]}
        )
    assert (reply["ok"], reply["error"]["code"]) == (False, "FORBIDDEN")
    assert current(admin, victim) == before
