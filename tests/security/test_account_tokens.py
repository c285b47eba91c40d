"""Attacks on the one-time tokens of the account flows and on the mails that carry them."""

import asyncio
import glob
import hashlib
import re
import time

import pytest

from tests.integration.account_flows import register, reset_token, verification_token
from tests.integration.bus import BusClient
from tests.support import USER_PASSWORD, database
from usersvc.secret_box import SecretBox, SecretBoxError
from usersvc.settings import DEVELOPMENT_SECRET_KEY

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,}$")


async def _owner_fetch(stack, sql: str, *args) -> list:
    async with database(stack.owner_database_url) as connection:
        return await connection.fetch(sql, *args)


def owner_fetch(stack, sql: str, *args) -> list:
    return asyncio.run(_owner_fetch(stack, sql, *args))


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_used_expired_or_other_purpose_token_is_refused(stack, anonymous, make_user, mailbox):
    user, _ = make_user()
    _, registered = register(anonymous)
    verify = verification_token(mailbox, registered["email"])
    assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
    reset = reset_token(mailbox, user["email"])
    assert TOKEN_SHAPE.match(verify) and TOKEN_SHAPE.match(reset)
    # Each opens only the door it was made for.
    assert refusal(anonymous.post("/v1/auth/verify-email", json={"token": reset})) == (400, "INVALID_TOKEN")
    assert refusal(
        anonymous.post("/v1/auth/password-reset/confirm", json={"token": verify, "new_password": "Other!pass1"})
    ) == (400, "INVALID_TOKEN")
    # Unknown.
    assert refusal(anonymous.post("/v1/auth/verify-email", json={"token": verify[:-1]})) == (400, "INVALID_TOKEN")
    # Used.
    assert anonymous.post("/v1/auth/verify-email", json={"token": verify}).status_code == 204
    assert refusal(anonymous.post("/v1/auth/verify-email", json={"token": verify})) == (400, "INVALID_TOKEN")
    # Expired (its expiry moved into the past, as time would).
    owner_fetch(
        stack, "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1", digest(reset)
    )
    expired = anonymous.post("/v1/auth/password-reset/confirm", json={"token": reset, "new_password": "Other!pass1"})
    assert refusal(expired) == (400, "INVALID_TOKEN")
    assert (
        anonymous.post("/v1/auth/login", json={"username": user["username"], "password": USER_PASSWORD}).status_code
        == 200
    )


def test_the_database_holds_only_digests_of_tokens(stack, anonymous, make_user, mailbox):
    user, _ = make_user()
    _, registered = register(anonymous)
    verify = verification_token(mailbox, registered["email"])
    anonymous.post("/v1/auth/password-reset", json={"email": user["email"]})
    reset = reset_token(mailbox, user["email"])
    assert anonymous.post("/v1/auth/verify-email", json={"token": verify}).status_code == 204
    assert (
        anonymous.post(
            "/v1/auth/password-reset/confirm", json={"token": reset, "new_password": "Other!pass1"}
        ).status_code
        == 204
    )
    tables = [
        row["name"]
        for row in owner_fetch(stack, "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()")
    ]
    rows = []
    for table in tables:  # names from pg_tables, quoted
        rows += owner_fetch(stack, f'SELECT row_to_json(t)::text AS line FROM "{table}" t')  # noqa: S608
    dump = "\n".join(row["line"] for row in rows)
    for token in (verify, reset):
        assert token not in dump
        assert digest(token) in dump  # what is kept instead
    assert "Other!pass1" not in dump


def test_mails_queued_while_smtp_is_down_cannot_be_read_without_the_secret_key(stack, make_user, anonymous, mailbox):
    user, _ = make_user()
    before = {row["id"] for row in owner_fetch(stack, "SELECT id FROM outbox_mails")}
    mailbox.stop()
    try:
        assert anonymous.post("/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
        deadline, queued = time.monotonic() + 15, []
        while not queued and time.monotonic() < deadline:
            queued = [
                row
                for row in owner_fetch(stack, "SELECT id, sealed FROM outbox_mails WHERE sealed IS NOT NULL")
                if row["id"] not in before
            ]
            time.sleep(0.2)
    finally:
        mailbox.start()
    [row] = queued
    assert user["email"] not in row["sealed"] and "token" not in row["sealed"]
    with pytest.raises(SecretBoxError):
        SecretBox("another-secret-key-of-at-least-32-characters", purpose="mail").open(row["sealed"])
    secret_key = stack.env.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    opened = SecretBox(secret_key, purpose="mail").open(row["sealed"]).decode()
    token = reset_token(mailbox, user["email"])  # the same mail, delivered once SMTP is back
    assert token in opened and user["email"] in opened
    deadline = time.monotonic() + 10
    while owner_fetch(stack, "SELECT sealed FROM outbox_mails WHERE id = $1", row["id"])[0]["sealed"] is not None:
        assert time.monotonic() < deadline, "a sent mail keeps its content"
        time.sleep(0.2)


@pytest.mark.parametrize(
    "routing_key, data",
    [
        (
            "auth.register",
            {
                "username": "svc_made",
                "email": "svc_made@example.com",
                "password": "Passw0rd!",
                "first_name": "S",
                "last_name": "M",
            },
        ),
        ("auth.verify_email", {"token": "x" * 43}),
        ("auth.reset_password", {"token": "x" * 43, "new_password": "Passw0rd!"}),
    ],
)
async def test_only_the_edge_may_register_or_spend_a_one_time_token(stack, routing_key, data):
    async with BusClient(stack.amqp_url) as service:  # a listed service: admin rights, still refused
        reply = await service.call(routing_key, data)
    assert reply["error"]["code"] == "FORBIDDEN"


def test_no_token_reaches_a_log_event_or_audit_row(stack, anonymous, make_user, mailbox):
    user, _ = make_user()
    _, registered = register(anonymous)
    tokens = [verification_token(mailbox, registered["email"])]
    anonymous.post("/v1/auth/password-reset", json={"email": user["email"]})
    tokens.append(reset_token(mailbox, user["email"]))
    assert anonymous.post("/v1/auth/verify-email", json={"token": tokens[0]}).status_code == 204
    assert (
        anonymous.post(
            "/v1/auth/password-reset/confirm", json={"token": tokens[1], "new_password": "Other!pass1"}
        ).status_code
        == 204
    )
    audit = owner_fetch(
        stack,
        "SELECT row_to_json(a)::text AS line FROM audit_logs a WHERE entity_id = ANY($1)",
        [user["id"], registered["id"]],
    )
    actions = " ".join(row["line"] for row in audit)
    for action in (
        "user.register",
        "user.request_email_verification",
        "user.verify_email",
        "user.request_password_reset",
        "user.reset_password",
    ):
        assert f'"action":"{action}"' in actions
    events = " ".join(
        row["line"]
        for row in owner_fetch(
            stack,
            "SELECT payload::text AS line FROM outbox_events WHERE payload::text LIKE $1 OR payload::text LIKE $2",
            f"%{user['id']}%",
            f"%{registered['id']}%",
        )
    )
    assert "user.password_reset_requested" in events and "user.email_verification_requested" in events
    logs = ""
    for path in glob.glob(f"/tmp/usersvc-test-{stack.run_id}-*.log"):
        with open(path) as log:
            logs += log.read()
    for token in tokens:
        assert token not in actions and token not in events and token not in logs
