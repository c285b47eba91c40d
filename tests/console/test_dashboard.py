"""The Dashboard (admin): a known history, seeded into the audit trail as commands would have
left it (and queued, as their write statement queues it), shown by day in charts and tables."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import orjson
from playwright.sync_api import expect

from tests.console.browser import sign_in_as_admin
from tests.support import database

TODAY = datetime.now(UTC).date()


def seeded_day(offset: int) -> dict:
    """The history of the day `offset` days ago: a gentle weekly shape."""
    return {"sign_ups": 2 + offset % 7, "password": 10 + (offset * 3) % 11, "passkey": offset % 4, "failed": offset % 3}


async def _seed(stack) -> None:
    rows = []
    for offset in range(1, 30):
        day = TODAY - timedelta(days=offset)
        at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        figures = seeded_day(offset)
        rows += [("user.register", f"seed-{offset}-{n}", None, at) for n in range(figures["sign_ups"])]
        rows += [("auth.login", f"seed-{n}", None, at) for n in range(figures["password"])]
        rows += [("auth.login", f"seed-{n}", {"amr": ["hwk"]}, at) for n in range(figures["passkey"])]
        rows += [("auth.login_failed", "", {"refused": "invalid credentials"}, at) for _ in range(figures["failed"])]
    async with database(stack.owner_database_url) as connection, connection.transaction():
        for action, entity, values, at in rows:
            audit_id = await connection.fetchval(
                "INSERT INTO audit_logs (actor_type, actor_id, action, entity_type, entity_id, new_values, created_at) "
                "VALUES ('service', 'seed', $1, 'user', $2, $3::jsonb, $4) RETURNING id",
                action, entity, orjson.dumps(values).decode() if values else None, at,
            )  # fmt: skip
            await connection.execute("INSERT INTO analytics_queue (audit_id) VALUES ($1)", audit_id)


def off_the_loop(coroutine):
    """Playwright's loop runs in this thread (tests/console/conftest.py): asyncio.run elsewhere."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _queued(stack) -> int:
    async with database(stack.owner_database_url) as connection:
        return await connection.fetchval("SELECT count(*) FROM analytics_queue")


def test_the_dashboard_charts_a_seeded_month_with_its_numbers_beside(page, stack, screenshot):
    off_the_loop(_seed(stack))
    deadline = time.monotonic() + 15
    while off_the_loop(_queued(stack)) and time.monotonic() < deadline:
        time.sleep(0.3)  # the workers' roll-up
    time.sleep(3.2)  # a cached answer, if any, has expired

    sign_in_as_admin(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    for title in ("Sign-ups", "Sign-ins", "Failed sign-ins", "Active users", "New sessions"):
        section = page.get_by_role("region", name=title, exact=True)
        expect(section.get_by_role("img", name=f"{title} per day")).to_be_visible()

    # A day's numbers, in the table beside the chart.
    offset = 5
    day = (TODAY - timedelta(days=offset)).isoformat()
    sign_ups = page.get_by_role("region", name="Sign-ups", exact=True)
    expect(sign_ups.get_by_role("row", name=day)).to_have_text(f"{day}{seeded_day(offset)['sign_ups']}")
    sign_ins = page.get_by_role("region", name="Sign-ins", exact=True)
    figures = seeded_day(offset)
    expected = [day, figures["password"], 0, figures["passkey"], 0, 0, figures["password"] + figures["passkey"]]
    expect(sign_ins.get_by_role("row", name=day)).to_have_text("".join(map(str, expected)))
    methods = page.get_by_role("region", name="Sign-ins by method", exact=True)
    total_passkeys = sum(seeded_day(n)["passkey"] for n in range(1, 30))
    expect(methods.get_by_role("row", name="Passkey")).to_have_text(f"Passkey{total_passkeys}")
    screenshot(page, "dashboard")

    # A shorter range: the tables hold its days only.
    page.get_by_label("Range", exact=True).select_option("7")
    expect(page.get_by_text(f"{TODAY - timedelta(days=6)} to {TODAY} (UTC)")).to_be_visible()  # redrawn
    expect(sign_ups.get_by_role("row")).to_have_count(1 + 7)  # the heading row, and the days
