"""Attacks on the account flows: links that outlive what they were sent for, registration as
an existence oracle, an address squatted before its owner came, and sessions that survive a
second factor being turned on."""

import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime

import httpx

from tests.integration.account_flows import registration_body, reset_token, verification_token
from tests.integration.authenticator import enrol, password_step
from tests.support import USER_PASSWORD, Api, database, login
from usersvc.secret_box import SecretBox
from usersvc.settings import DEVELOPMENT_SECRET_KEY

NEW_PASSWORD = "N3w!passw0rd"
ACCEPTED = {"status": "verification_sent"}


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def owner_execute(stack, sql: str, *args) -> None:
    async def run() -> None:
        async with database(stack.owner_database_url) as connection:
            await connection.execute(sql, *args)

    asyncio.run(run())


def confirm_reset(anonymous: Api, token: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return anonymous.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": password})


# --- links die with the password or the address they were sent for -------------------------


def test_a_reset_link_dies_when_the_owner_changes_the_password(stack, make_user, anonymous, mailbox):
    user, me = make_user()
    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    link = reset_token(mailbox, user["email"])
    assert me.post("/v1/auth/verify-email/request").status_code == 202
    verify_link = verification_token(mailbox, user["email"])
    changed = me.post(
        f"/v1/users/{user['id']}/password", json={"current_password": USER_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204, changed.text
    # Whoever found the old mail cannot undo the owner's new password with it.
    assert refusal(confirm_reset(anonymous, link, "Attack3r!pass")) == (400, "INVALID_TOKEN")
    assert refusal(anonymous.post("/v1/auth/verify-email", json={"token": verify_link})) == (400, "INVALID_TOKEN")
    assert login(stack.base_url, NEW_PASSWORD, username=user["username"]).get("/v1/auth/me").status_code == 200


def test_a_link_for_an_address_is_not_revived_when_the_email_goes_away_and_comes_back(
    admin, make_user, anonymous, mailbox
):
    user, me = make_user()
    address = user["email"]
    assert anonymous.post("/v1/auth/password-reset", json={"email": address}).status_code == 202
    link = reset_token(mailbox, address)
    elsewhere = f"moved_{uuid.uuid4().hex[:10]}@example.com"
    for email in (elsewhere, address):  # A → B → A
        assert admin.patch(f"/v1/users/{user['id']}", json={"email": email}).status_code == 200
    assert refusal(confirm_reset(anonymous, link)) == (400, "INVALID_TOKEN")
    assert me.get("/v1/auth/me").status_code == 200  # the owner's password and sessions stand


# --- registration tells nothing about an address ---------------------------------------------


def test_registration_answers_alike_for_new_existing_deleted_and_admin_addresses(
    stack, admin, make_user, anonymous, mailbox
):
    existing, _ = make_user()
    deleted, _ = make_user()
    assert admin.delete(f"/v1/users/{deleted['id']}").status_code == 204
    fresh = f"fresh_{uuid.uuid4().hex[:10]}@example.com"
    answers = {}
    bodies = {}
    for kind, address in {
        "fresh": fresh,
        "existing": existing["email"].upper(),
        "deleted": deleted["email"],
        "admin": "root@example.com",
    }.items():
        bodies[kind] = registration_body(email=address)
        response = anonymous.post("/v1/auth/register", json=bodies[kind])
        answers[kind] = (response.status_code, response.json())
    assert answers == {kind: (202, ACCEPTED) for kind in answers}
    # The new address gets its verification link; the existing account's owner is told instead.
    verification_token(mailbox, fresh)
    [notice] = mailbox.wait_for(existing["email"])
    assert "/verify-email?token=" not in notice.get_body(("plain",)).get_content()
    # Nothing changed for a taken address: no second account, the owner's password stands.
    for kind in ("existing", "deleted", "admin"):
        taken = anonymous.post(
            "/v1/auth/login", json={"username": bodies[kind]["username"], "password": bodies[kind]["password"]}
        )
        assert refusal(taken) == (401, "INVALID_CREDENTIALS")
    assert login(stack.base_url, USER_PASSWORD, username=existing["username"]).get("/v1/auth/me").status_code == 200
    mailbox.wait_for("root@example.com", containing="register a new account")  # an admin is an owner too
    time.sleep(1)
    assert mailbox.to(deleted["email"]) == []  # a deleted account's address is sent nothing


def test_a_taken_username_is_refused_whatever_the_email(make_user, anonymous):
    existing, _ = make_user()
    for email in (f"other_{uuid.uuid4().hex[:10]}@example.com", existing["email"]):
        taken = anonymous.post(
            "/v1/auth/register", json=registration_body(username=existing["username"].upper(), email=email)
        )
        assert refusal(taken) == (409, "USERNAME_TAKEN")


async def test_registrations_racing_for_one_new_address_all_answer_alike(stack, admin):
    """The losers of a race for a new address meet the winner's row at insert: they answer
    as a taken address does, so a race tells no more than a lookup would."""
    email = f"race_{uuid.uuid4().hex[:10]}@example.com"
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        answers = await asyncio.gather(
            *(client.post("/v1/auth/register", json=registration_body(email=email)) for _ in range(8))
        )
    assert [(answer.status_code, answer.json()) for answer in answers] == [(202, ACCEPTED)] * 8
    listed = admin.get("/v1/users", params={"search": email.split("@")[0]}).json()
    assert listed["pagination"]["total_items"] == 1


def test_registration_takes_about_as_long_for_a_taken_email_as_for_a_new_one(stack, make_user, capsys):
    """Both branches hash the password. Timing is reported (pytest -s), not asserted."""
    existing, _ = make_user()
    seconds: dict[str, list[float]] = {"new": [], "taken": []}
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        for round_ in range(20):
            for kind in sorted(seconds, reverse=bool(round_ % 2)):  # neither always follows the other
                email = existing["email"] if kind == "taken" else f"t_{uuid.uuid4().hex[:10]}@example.com"
                started = time.perf_counter()
                response = client.post("/v1/auth/register", json=registration_body(email=email))
                seconds[kind].append(time.perf_counter() - started)
                assert (response.status_code, response.json()) == (202, ACCEPTED)
    with capsys.disabled():
        print(
            "\nregistration, median of 20: "
            + ", ".join(f"{kind} {statistics.median(values) * 1000:.2f} ms" for kind, values in seconds.items())
        )


# --- an address squatted before its owner came --------------------------------------------


def _register_and_sign_in(stack, anonymous, email: str) -> tuple[dict, Api]:
    body = registration_body(email=email)
    assert anonymous.post("/v1/auth/register", json=body).status_code in (201, 202)
    squatter = login(stack.base_url, body["password"], username=body["username"])
    return squatter.get("/v1/auth/me").json(), squatter


def test_an_account_whose_email_was_never_verified_cannot_enrol_mfa(stack, make_user, anonymous):
    victim_address = f"victim_{uuid.uuid4().hex[:10]}@example.com"
    _, squatter = _register_and_sign_in(stack, anonymous, victim_address)
    refused = squatter.post("/v1/auth/mfa/totp", json={"password": USER_PASSWORD})
    assert refusal(refused) == (403, "EMAIL_NOT_VERIFIED")
    assert squatter.get("/v1/auth/me").json()["mfa_enabled"] is False
    _, created_by_admin = make_user()  # an admin-made account, too, until its owner answers the mail
    assert refusal(created_by_admin.post("/v1/auth/mfa/totp", json={"password": USER_PASSWORD})) == (
        403,
        "EMAIL_NOT_VERIFIED",
    )


def test_the_owners_reset_takes_the_account_back_from_a_squatter_with_a_second_factor(stack, anonymous, mailbox):
    """A squatter that enrolled TOTP before enrolment needed a verified address: the factor is
    put in place in the database as enrolment would have (a secret sealed with the key)."""
    victim_address = f"victim_{uuid.uuid4().hex[:10]}@example.com"
    squatted, squatter = _register_and_sign_in(stack, anonymous, victim_address)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    sealed = SecretBox(stack.env.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY, purpose="mfa").seal(secret.encode())
    owner_execute(
        stack,
        "INSERT INTO user_totp (user_id, secret_sealed, confirmed_at, created_at) VALUES ($1, $2, $3, $3)",
        uuid.UUID(squatted["id"]),
        sealed,
        datetime.now(UTC),
    )
    owner_execute(stack, "UPDATE users SET mfa_enabled = true WHERE id = $1", uuid.UUID(squatted["id"]))
    assert password_step(stack.base_url, squatted["username"]).json()["mfa_required"] is True
    # The address's owner asks for a reset and sets a password.
    assert anonymous.post("/v1/auth/password-reset", json={"email": victim_address}).status_code == 202
    assert confirm_reset(anonymous, reset_token(mailbox, victim_address)).status_code == 204
    owner = password_step(stack.base_url, squatted["username"], password=NEW_PASSWORD)
    assert owner.status_code == 200 and "access_token" in owner.json(), owner.text  # no squatter's factor asked
    me = Api(stack.base_url, owner.json()["access_token"]).get("/v1/auth/me").json()
    assert (me["mfa_enabled"], me["email_verified"]) == (False, True)
    assert squatter.get("/v1/auth/me").status_code == 401


def test_a_reset_keeps_the_second_factor_of_an_account_verified_before(stack, make_user, anonymous, mailbox):
    user, me = make_user(verified=True)
    enrol(me)
    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    assert confirm_reset(anonymous, reset_token(mailbox, user["email"])).status_code == 204
    assert password_step(stack.base_url, user["username"], password=NEW_PASSWORD).json()["mfa_required"] is True


# --- turning MFA on ends the other sessions ----------------------------------------------------


def test_confirming_mfa_ends_the_users_other_sessions(stack, make_user):
    user, me = make_user(verified=True)
    earlier = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}
    ).json()
    enrol(me)
    # The earlier session (say, a thief's) cannot mint tokens without the second factor.
    refreshed = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": earlier["refresh_token"]})
    assert refreshed.status_code == 401
    assert Api(stack.base_url, earlier["access_token"]).get("/v1/auth/me").status_code == 401
    assert me.get("/v1/auth/me").status_code == 200  # the session that turned MFA on goes on
