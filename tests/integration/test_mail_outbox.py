"""Mail leaves from the outbox: after commit, at least once, retried while SMTP is down,
given up (counted, logged without its link) after MAIL_MAX_ATTEMPTS."""

import asyncio
import re
import time
import uuid

import httpx
from tortoise import Tortoise

from tests.integration.account_flows import register, registration_body
from tests.support import database, free_port, wait_ready
from usersvc.domain.rbac import Principal, Role
from usersvc.settings import Settings
from usersvc.workers.app import create_mail_relay
from usersvc.workers.db import tortoise_config
from usersvc.workers.unit_of_work import outside_a_command


def owner_query(stack, sql: str) -> list:
    async def run() -> list:
        async with database(stack.owner_database_url) as connection:
            return await connection.fetch(sql)

    return asyncio.run(run())


def test_mails_queued_while_smtp_is_down_arrive_when_it_is_back_exactly_the_committed_ones(
    stack, anonymous, make_user, mailbox
):
    user, _ = make_user()
    _, taken = register(anonymous)
    mailbox.wait_for(taken["email"])
    unknown = f"nobody_{uuid.uuid4().hex[:10]}@example.com"
    mailbox.stop()
    try:
        registered = [register(anonymous)[1] for _ in range(2)]  # answered at once: SMTP is not in the way
        # The taken address's owner is told (no new account).
        notice = anonymous.post("/v1/auth/register", json=registration_body(email=taken["email"]))
        for address in (user["email"], unknown):
            assert anonymous.post("/v1/auth/password-reset", json={"email": address}).status_code == 202
        assert notice.status_code == 202
        time.sleep(3)  # a few failed attempts
        pending = owner_query(stack, "SELECT count(*) AS n FROM outbox_mails WHERE sealed IS NOT NULL")[0]["n"]
        assert pending >= 4
    finally:
        mailbox.start()
    for address in [created["email"] for created in registered] + [user["email"]]:
        mailbox.wait_for(address, timeout=30)
    mailbox.wait_for(taken["email"], count=2, timeout=30)
    time.sleep(2)
    counts = {
        address: len(mailbox.to(address))
        for address in [created["email"] for created in registered] + [user["email"], unknown, taken["email"]]
    }
    assert list(counts.values()) == [1, 1, 1, 0, 2], counts
    retried = owner_query(stack, "SELECT max(attempts) AS n FROM outbox_mails WHERE sent_at IS NOT NULL")[0]["n"]
    assert retried > 1


async def test_a_mail_queued_by_a_change_that_rolls_back_is_never_sent(stack, mailbox):
    """The mail is a row of the change's own transaction: no commit, no row, no mail."""
    settings = Settings(
        _env_file=None,
        environment="development",
        secret_key=stack.env.get("SECRET_KEY", ""),
        smtp_url=stack.env["SMTP_URL"],
    )
    relay = create_mail_relay(settings)
    addresses = {outcome: f"{outcome}_{uuid.uuid4().hex[:10]}@example.com" for outcome in ("rolled_back", "committed")}

    class RolledBack(Exception):
        pass

    await Tortoise.init(config=tortoise_config(stack.database_url, pool_size=1))
    try:
        for outcome, address in addresses.items():
            try:
                async with outside_a_command(settings, Principal(kind="service", id="tests", role=Role.ADMIN)) as unit:
                    await relay.queue(
                        unit,
                        template="verify_email",
                        to=address,
                        values={"username": "tester", "link": "http://x/verify-email?token=t", "expires": "1 hour"},
                    )
                    if outcome == "rolled_back":
                        raise RolledBack()
            except RolledBack:
                pass
    finally:
        await Tortoise.close_connections()
    await asyncio.to_thread(mailbox.wait_for, addresses["committed"])  # sent by the stack's workers
    await asyncio.sleep(1)
    assert mailbox.to(addresses["rolled_back"]) == []


def _dead_mails(metrics_url: str) -> float:
    try:
        found = re.search(r"^usersvc_mails_dead_total (\S+)$", httpx.get(metrics_url, timeout=2).text, re.MULTILINE)
    except httpx.HTTPError:
        return 0.0
    return float(found.group(1)) if found else 0.0


def test_a_mail_never_delivered_is_given_up_counted_and_logged_without_its_content(stack, make_user, mailbox):
    user, _ = make_user()
    port = free_port()
    for name in ("worker-1", "worker-2"):
        stack.stop(name)
    mailbox.stop()
    stack.spawn("worker-mail", "worker", WORKER_METRICS_PORT=str(port), MAIL_MAX_ATTEMPTS="2", MAIL_RETRY_SECONDS="0.2")
    try:
        wait_ready(stack.base_url)
        assert httpx.post(f"{stack.base_url}/v1/auth/password-reset", json={"email": user["email"]}).status_code == 202
        deadline = time.monotonic() + 30
        while _dead_mails(f"http://127.0.0.1:{port}/metrics") < 1 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _dead_mails(f"http://127.0.0.1:{port}/metrics") == 1
    finally:
        mailbox.start()
        stack.stop("worker-mail")
        stack.spawn("worker-1", "worker")
        stack.spawn("worker-2", "worker")
        wait_ready(stack.base_url)
    log = stack.log_text("worker-mail")
    assert re.search(r"mail \S+ \(reset_password\) is dead after 2 attempt\(s\): SMTPConnectError", log), log
    assert "token=" not in log and user["email"] not in log
    [dead] = owner_query(stack, "SELECT sealed, sent_at FROM outbox_mails WHERE failed_at IS NOT NULL")
    assert dead["sealed"] is None and dead["sent_at"] is None  # its content (a live link) is erased
    time.sleep(1)
    assert mailbox.to(user["email"]) == []
