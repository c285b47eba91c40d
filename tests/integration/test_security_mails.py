"""Security notices by mail, read from the SMTP sink: a changed password, a changed email (to
the old address, the new one masked), MFA turned on or off, and a sign-in from a device and
network the account has not used in 30 days, with the switch that turns that one off."""

import time
import uuid

import httpx

from tests.integration.account_flows import reset_token
from tests.integration.authenticator import enrol
from tests.integration.mailbox import Mailbox, text_of
from tests.support import USER_PASSWORD, database

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
CHROME_UPDATED = CHROME_ON_WINDOWS.replace("131.0.0.0", "132.0.6834.83")
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
NEW_SIGN_IN = "A sign-in to your account from a new device"
PASSWORD_CHANGED = "Your password was changed"
MFA_ADDED = "Two-factor authentication was turned on"
MFA_REMOVED = "Two-factor authentication was turned off"
# Mails leave after commit from an outbox; what should not come is given this long to come anyway.
QUIET_SECONDS = 2


def _with_subject(mailbox: Mailbox, address: str, subject: str) -> list:
    return [message for message in mailbox.to(address) if message["Subject"] == subject]


def _wait_for(mailbox: Mailbox, address: str, subject: str, *, count: int = 1, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while len(found := _with_subject(mailbox, address, subject)) < count:
        assert time.monotonic() < deadline, f"{len(found)} mail(s) {subject!r} to {address}, expected {count}"
        time.sleep(0.1)
    return found


def _exactly(mailbox: Mailbox, address: str, subject: str, count: int) -> list:
    found = _wait_for(mailbox, address, subject, count=count) if count else []
    time.sleep(QUIET_SECONDS)
    found = _with_subject(mailbox, address, subject)
    assert len(found) == count, [text_of(message) for message in found]
    return found


def _html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def _place(notice) -> tuple[str, str]:
    """The device and address a new-sign-in notice names."""
    lines = {
        name.strip(): value.strip() for name, _, value in (line.partition(":") for line in text_of(notice).splitlines())
    }
    return lines["Device"], lines["Address"]


def _sign_in(stack, user: dict, *, agent: str, ip: str, password: str = USER_PASSWORD) -> httpx.Response:
    response = httpx.post(
        f"{stack.base_url}/v1/auth/login",
        json={"username": user["username"], "password": password},
        headers={"User-Agent": agent, "X-Forwarded-For": ip},
    )
    assert response.status_code == 200, response.text
    return response


def test_a_changed_password_is_told_to_the_account_whoever_changed_it(stack, admin, make_user, mailbox, anonymous):
    user, api = make_user()
    changed = api.post(
        f"/v1/users/{user['id']}/password",
        json={"current_password": USER_PASSWORD, "new_password": "S3cond!pass"},
        headers={"User-Agent": FIREFOX_ON_LINUX},
    )
    assert changed.status_code == 204
    (notice,) = _wait_for(mailbox, user["email"], PASSWORD_CHANGED)
    assert f"Hello {user['username']}" in text_of(notice) and "Firefox on Linux" in text_of(notice)
    assert "127.0.0.1" in text_of(notice) and "Firefox on Linux" in _html_of(notice)
    assert "S3cond!pass" not in notice.as_string()

    by_admin = admin.post(f"/v1/users/{user['id']}/password", json={"new_password": "Th1rd!pass"})
    assert by_admin.status_code == 204
    _wait_for(mailbox, user["email"], PASSWORD_CHANGED, count=2)

    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    token = reset_token(mailbox, user["email"])
    confirmed = anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "F0urth!pass"})
    assert confirmed.status_code == 204
    _exactly(mailbox, user["email"], PASSWORD_CHANGED, 3)


def test_a_changed_email_is_told_to_the_old_address_with_the_new_one_masked(stack, make_user, mailbox):
    user, api = make_user()
    new_address = f"moved_{uuid.uuid4().hex[:8]}@example.net"
    moved = api.patch(f"/v1/users/{user['id']}", json={"email": new_address, "current_password": USER_PASSWORD})
    assert moved.status_code == 200, moved.text
    (notice,) = mailbox.wait_for(user["email"], containing="was just changed to")
    masked = f"{new_address[0]}***@e***.net"
    assert notice["Subject"] == "Your email address was changed"
    assert masked in text_of(notice) and masked in _html_of(notice)
    assert new_address not in notice.as_string()
    assert mailbox.wait_for(new_address, containing="confirm that this is your email address")


def test_mfa_turned_on_and_off_is_told_and_so_is_an_admins_reset(stack, admin, make_user, mailbox):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    (added,) = _wait_for(mailbox, user["email"], MFA_ADDED)
    assert "password and a code" in text_of(added) and "password and a code" in _html_of(added)
    off = api.delete("/v1/auth/mfa/totp", json={"password": USER_PASSWORD, "code": authenticator.next_code()})
    assert off.status_code == 204
    _wait_for(mailbox, user["email"], MFA_REMOVED)

    enrol(api)
    _wait_for(mailbox, user["email"], MFA_ADDED, count=2)
    assert admin.delete(f"/v1/users/{user['id']}/mfa").status_code == 204
    (_, by_admin) = _exactly(mailbox, user["email"], MFA_REMOVED, 2)
    assert "recovery codes no longer work" in text_of(by_admin)


def test_a_sign_in_from_a_new_device_and_network_is_told_once(stack, make_user, mailbox):
    user, _ = make_user()  # signed in once, from 127.0.0.1 with python-httpx: known now
    _sign_in(stack, user, agent=CHROME_ON_WINDOWS, ip="198.51.100.7")
    (notice,) = _wait_for(mailbox, user["email"], NEW_SIGN_IN)
    assert "Chrome on Windows" in text_of(notice) and "198.51.100.7" in text_of(notice)
    assert "Chrome on Windows" in _html_of(notice) and "turn these mails off" in text_of(notice)

    # The same browser after an update, from the same /24: the same device and network.
    _sign_in(stack, user, agent=CHROME_UPDATED, ip="198.51.100.201")
    # A known device on a new network, and a new device on a known network: each a new pair.
    _sign_in(stack, user, agent=CHROME_ON_WINDOWS, ip="203.0.113.9")
    _sign_in(stack, user, agent=FIREFOX_ON_LINUX, ip="198.51.100.7")
    # IPv6: one /48 is one network.
    _sign_in(stack, user, agent=CHROME_ON_WINDOWS, ip="2001:db8:1:2::1")
    _sign_in(stack, user, agent=CHROME_ON_WINDOWS, ip="2001:db8:1:ffff::2")
    notices = _exactly(mailbox, user["email"], NEW_SIGN_IN, 4)
    assert sorted(_place(notice) for notice in notices) == [
        ("Chrome on Windows", "198.51.100.7"),
        ("Chrome on Windows", "2001:db8:1:2::1"),
        ("Chrome on Windows", "203.0.113.9"),
        ("Firefox on Linux", "198.51.100.7"),
    ]


async def test_a_place_not_used_for_30_days_is_new_again(stack, make_user, mailbox):
    user, _ = make_user()
    async with database(stack.owner_database_url) as owner:
        await owner.execute(
            """UPDATE "known_sign_ins" SET "last_seen_at" = now() - interval '31 days' WHERE "user_id" = $1""",
            uuid.UUID(user["id"]),
        )
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        again = await http.post("/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD})
    assert again.status_code == 200
    (notice,) = _wait_for(mailbox, user["email"], NEW_SIGN_IN)
    assert "python-httpx" in text_of(notice) and "127.0.0.1" in text_of(notice)


def test_an_accounts_first_sign_in_is_not_told(stack, admin, mailbox):
    body = {
        "username": f"u_{uuid.uuid4().hex[:12]}",
        "password": USER_PASSWORD,
        "first_name": "First",
        "last_name": "Sign-in",
    }
    body["email"] = f"{body['username']}@example.com"
    assert admin.post("/v1/users", json=body).status_code == 201
    _sign_in(stack, body, agent=CHROME_ON_WINDOWS, ip="192.0.2.10")
    _exactly(mailbox, body["email"], NEW_SIGN_IN, 0)


def test_the_new_sign_in_mail_can_be_turned_off_and_on_again(stack, make_user, mailbox, anonymous):
    user, api = make_user()
    assert api.get("/v1/auth/notifications").json() == {"new_sign_in": True}
    off = api.patch("/v1/auth/notifications", json={"new_sign_in": False})
    assert off.status_code == 200 and off.json() == {"new_sign_in": False}
    assert off.headers["Cache-Control"] == "no-store"
    assert api.get("/v1/auth/notifications").json() == {"new_sign_in": False}
    _sign_in(stack, user, agent=CHROME_ON_WINDOWS, ip="198.51.100.50")
    _exactly(mailbox, user["email"], NEW_SIGN_IN, 0)

    assert api.patch("/v1/auth/notifications", json={"new_sign_in": True}).json() == {"new_sign_in": True}
    _sign_in(stack, user, agent=FIREFOX_ON_LINUX, ip="198.51.100.50")  # a new pair
    _exactly(mailbox, user["email"], NEW_SIGN_IN, 1)
    # Only the switch, and only a boolean; only with a bearer token of the user's own.
    for wrong in ({"new_sign_in": "no"}, {"new_sign_in": False, "password_changed": False}, {}):
        assert api.patch("/v1/auth/notifications", json=wrong).status_code == 422
    assert anonymous.get("/v1/auth/notifications").status_code == 401
    assert anonymous.patch("/v1/auth/notifications", json={"new_sign_in": False}).status_code == 401
    assert api.get("/v1/auth/notifications").json() == {"new_sign_in": True}
