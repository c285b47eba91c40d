"""Attacks on the second factor: a database dump, replayed and raced codes, stolen mfa_tokens,
and secrets leaking into events, audit rows or logs."""

import asyncio
import json
import uuid

import aio_pika
import httpx

from tests.integration.authenticator import code_step, enrol, password_step
from tests.support import USER_PASSWORD, Api, database

STACK_LOGS = ("worker-1", "worker-2", "edge")


async def _database_text(stack) -> str:
    """Every row of every table of the service's schema, as text: what a dump would hold."""
    async with database(stack.owner_database_url) as connection:
        tables = await connection.fetch(
            "SELECT quote_ident(relname) AS name FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"
        )
        dumps = [
            str(await connection.fetch(f"SELECT t::text FROM {table['name']} t"))  # noqa: S608 - quoted names
            for table in tables
        ]
    assert "user_totp" in {table["name"] for table in tables}
    return "\n".join(dumps)


def _forms(secret: str) -> set[str]:
    return {secret, secret.lower(), secret.upper(), secret.replace("-", "")}


def test_a_database_dump_reveals_no_mfa_secret_recovery_code_or_mfa_token(stack, make_user):
    user, api = make_user(verified=True)
    _, recovery_codes, started = enrol(api)
    pending_token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    spent_token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    assert code_step(stack.base_url, spent_token, recovery_codes[0]).status_code == 200
    dump = asyncio.run(_database_text(stack))
    assert user["id"] in dump  # the scan sees the rows
    for secret in [started["secret"], *recovery_codes, pending_token, spent_token]:
        for form in _forms(secret):
            assert form not in dump, "an MFA secret is readable in the database"


def test_a_code_raced_by_two_logins_is_accepted_once(stack, make_user):
    """Someone who saw the code and the password races the owner: one of them wins, never both."""
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    tokens = [password_step(stack.base_url, user["username"]).json()["mfa_token"] for _ in range(4)]
    code = authenticator.next_code()

    async def race() -> list[int]:
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
            answers = await asyncio.gather(
                *(http.post("/v1/auth/mfa/verify", json={"mfa_token": token, "code": code}) for token in tokens)
            )
        return sorted(answer.status_code for answer in answers)

    assert asyncio.run(race()) == [200, 401, 401, 401]


def test_an_mfa_token_is_no_access_or_refresh_token_and_is_spent_once_used(stack, make_user):
    user, api = make_user(verified=True)
    authenticator, _, _ = enrol(api)
    token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
    as_bearer = Api(stack.base_url, token).get("/v1/auth/me")
    assert (as_bearer.status_code, as_bearer.json()["error"]["code"]) == (401, "INVALID_TOKEN")
    as_refresh = httpx.post(f"{stack.base_url}/v1/auth/refresh", json={"refresh_token": token})
    assert as_refresh.status_code == 401
    assert code_step(stack.base_url, token, authenticator.next_code()).status_code == 200
    reused = code_step(stack.base_url, token, authenticator.next_code())
    assert (reused.status_code, reused.json()["error"]["code"]) == (401, "INVALID_TOKEN")


def test_a_forged_or_foreign_mfa_token_gets_nothing(stack, make_user):
    _, victim_api = make_user(verified=True)
    attacker, attacker_api = make_user(verified=True)
    victim_authenticator, _, _ = enrol(victim_api)
    attacker_authenticator, _, _ = enrol(attacker_api)
    attacker_token = password_step(stack.base_url, attacker["username"]).json()["mfa_token"]
    # The attacker's own token with the victim's code: codes are checked against the token's user.
    wrong_user = code_step(stack.base_url, attacker_token, victim_authenticator.next_code())
    assert wrong_user.status_code == 401
    forged = code_step(stack.base_url, uuid.uuid4().hex * 2, attacker_authenticator.next_code())
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "INVALID_TOKEN")


async def _collect_events(stack, action) -> list[bytes]:
    connection = await aio_pika.connect(stack.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue("", exclusive=True)
        await queue.bind("usersvc.events", routing_key="#")
        await asyncio.to_thread(action)
        await asyncio.sleep(1.0)
        bodies = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            bodies.append(message.body)
    return bodies


def test_events_audit_rows_and_logs_hold_no_mfa_secret(stack, make_user, admin):
    user, api = make_user(verified=True)
    seen: dict = {}

    def mfa_lifecycle() -> None:
        authenticator, recovery_codes, started = enrol(api)
        token = password_step(stack.base_url, user["username"]).json()["mfa_token"]
        code_step(stack.base_url, token, "000000")  # a wrong one, audited
        code = authenticator.next_code()
        assert code_step(stack.base_url, token, code).status_code == 200
        assert (
            api.delete("/v1/auth/mfa/totp", json={"password": USER_PASSWORD, "code": recovery_codes[1]}).status_code
            == 204
        )
        seen.update(secret=started["secret"], codes=recovery_codes, token=token, code=code)

    bodies = asyncio.run(_collect_events(stack, mfa_lifecycle))
    mine = [json.loads(body) for body in bodies if user["id"].encode() in body]
    assert [event["data"]["mfa_enabled"] for event in mine if event["type"] == "user.updated"] == [True, False]
    events = b"\n".join(bodies).decode()
    audit = json.dumps(admin.get("/v1/audit-logs", params={"entity_id": user["id"], "page_size": 100}).json())
    assert {"auth.mfa_enrol", "auth.mfa_enable", "auth.mfa_challenge", "auth.mfa_wrong_code", "auth.mfa_disable"} <= {
        row["action"] for row in json.loads(audit)["data"]
    }
    logs = "".join(stack.log_text(name) for name in STACK_LOGS)
    for secret in [seen["secret"], *seen["codes"], seen["token"]]:
        for form in _forms(secret):
            assert form not in events and form not in audit and form not in logs
