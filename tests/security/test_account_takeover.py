"""Taking an account over by moving it to another address, then resetting its password.

A moderator may not move anyone's address (nor act on other staff), and a user's own address
moves only with the current password, so a stolen access token is not enough; the old
address is told. Requests pick their client IP with X-Forwarded-For (the stack trusts
127.0.0.1 as a proxy): the attacker is never where the owner logged in from.
"""

import uuid

import pytest

from tests.integration.bus import BusClient
from tests.integration.mailbox import text_of
from tests.security.test_login_abuse import THRESHOLD, WRONG_PASSWORD, fail_from_fresh_ips, fresh_ipv4, outcome
from tests.support import USER_PASSWORD, login


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


def test_a_moderator_learns_nothing_of_another_accounts_back_off(stack, make_user):
    boss, _ = make_user("admin")
    _, moderator = make_user("moderator")
    fail_from_fresh_ips(stack, {"username": boss["username"]}, THRESHOLD)  # the admin is held back now
    probe = moderator.patch(
        f"/v1/users/{boss['id']}",
        json={"first_name": "X", "current_password": WRONG_PASSWORD},
        headers=from_elsewhere(),
    )
    assert outcome(probe) == (403, "FORBIDDEN")


# --- a stolen access token ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("current_password", [None, WRONG_PASSWORD])
def test_a_users_own_email_does_not_move_without_the_current_password(make_user, method, current_password):
    user, stolen = make_user()
    body = {"email": attacker_address()} if method == "patch" else profile_of(user, email=attacker_address())
    if current_password is not None:
        body["current_password"] = current_password
    refused = getattr(stolen, method)(f"/v1/users/{user['id']}", json=body, headers=from_elsewhere())
    assert outcome(refused) == (403, "REAUTHENTICATION_REQUIRED")
    assert stolen.get("/v1/auth/me").json()["email"] == user["email"]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_with_the_password_the_email_moves_and_the_old_address_is_told(make_user, mailbox, method):
    user, me = make_user()
    new_address = f"moved_{uuid.uuid4().hex[:10]}@example.net"
    body = {"email": new_address} if method == "patch" else profile_of(user, email=new_address)
    moved = getattr(me, method)(f"/v1/users/{user['id']}", json={**body, "current_password": USER_PASSWORD})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["email"], moved.json()["email_verified"]) == (new_address, False)
    mailbox.wait_for(new_address, containing="/verify-email?token=")
    [notice] = mailbox.wait_for(user["email"], containing="changed")
    masked = f"{new_address[0]}***@e***.net"
    assert masked in text_of(notice) and new_address not in notice.as_string()
    assert "token=" not in text_of(notice)


def test_an_admin_moves_someone_elses_email_without_their_password(make_user, admin, mailbox):
    user, _ = make_user()
    new_address = f"moved_{uuid.uuid4().hex[:10]}@example.com"
    moved = admin.patch(f"/v1/users/{user['id']}", json={"email": new_address})
    assert (moved.status_code, moved.json()["email_verified"]) == (200, False)
    mailbox.wait_for(new_address, containing="/verify-email?token=")
    mailbox.wait_for(user["email"], containing="changed")


def test_wrong_current_passwords_count_toward_the_accounts_login_back_off(stack, make_user):
    user, stolen = make_user()
    answers = [
        outcome(
            stolen.patch(
                f"/v1/users/{user['id']}",
                json={"email": attacker_address(), "current_password": f"{WRONG_PASSWORD}{attempt}"},
                headers=from_elsewhere(),
            )
        )
        for attempt in range(THRESHOLD)
    ]
    assert answers == [(403, "REAUTHENTICATION_REQUIRED")] * THRESHOLD
    # Held back now: the right password is not even looked at, and logins are held too.
    held = stolen.patch(
        f"/v1/users/{user['id']}",
        json={"email": attacker_address(), "current_password": USER_PASSWORD},
        headers=from_elsewhere(),
    )
    assert outcome(held) == (429, "RATE_LIMITED") and 1 <= int(held.headers["Retry-After"]) <= 60
    assert stolen.get("/v1/auth/me").json()["email"] == user["email"]
    elsewhere = stolen.http.post(
        "/v1/auth/login",
        json={"username": user["username"], "password": USER_PASSWORD},
        headers=from_elsewhere(),
    )
    assert outcome(elsewhere) == (429, "RATE_LIMITED")
    # The owner, from where they logged in before, is not locked out.
    assert login(stack.base_url, USER_PASSWORD, username=user["username"]).get("/v1/auth/me").status_code == 200


def test_the_current_password_is_kept_nowhere(make_user, admin):
    user, me = make_user()
    wrong = f"Wr0ng!{uuid.uuid4().hex[:10]}"
    refused = me.patch(f"/v1/users/{user['id']}", json={"email": attacker_address(), "current_password": wrong})
    assert outcome(refused) == (403, "REAUTHENTICATION_REQUIRED")
    moved = me.patch(f"/v1/users/{user['id']}", json={"email": attacker_address(), "current_password": USER_PASSWORD})
    assert moved.status_code == 200
    audit = admin.get("/v1/audit-logs", params={"entity_id": user["id"], "page_size": 100})
    assert audit.status_code == 200 and '"user.update"' in audit.text
    assert wrong not in audit.text and USER_PASSWORD not in audit.text
