"""The analytics rollups (domain/analytics.py): kept from the audit trail, read by day.

A counted audit row is queued by the statement that writes it (records.py). The roll-up
takes queued rows off and adds them to the daily counts in one statement, so each is
counted exactly once whatever the workers do meanwhile; a rebuild counts the whole trail by
the same SQL (FACTS).
"""

from datetime import date, timedelta

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from usersvc.domain.analytics import (
    CLIENT_SIGN_IN_ACTION,
    CLIENT_SIGN_INS,
    COUNTED_ACTIONS,
    FAILED_SIGN_IN_ACTIONS,
    FAILED_SIGN_INS,
    NEW_SESSIONS,
    SIGN_IN_ACTION,
    SIGN_INS,
    SIGN_UP_ACTIONS,
    SIGN_UPS,
)
from usersvc.workers.repositories.base import Repository

# One lock for the roll-up and a rebuild: a pass never runs beside a rebuild (any number).
ROLL_UP_LOCK = 0x75736572_616E61  # "userana"
ROLL_UP_BATCH = 5000


def _listed(actions: tuple[str, ...]) -> str:
    return ", ".join(f"'{action}'" for action in actions)


# The figures of the audit rows in "counted" (day, metric, dimension). The method rule for
# rows written before open_session wrote one mirrors domain.analytics.sign_in_method.
FACTS = f"""
SELECT ("counted"."created_at" AT TIME ZONE 'UTC')::date AS "day", "fact"."metric", "fact"."dimension"
FROM "counted", LATERAL (
    SELECT '{SIGN_UPS}', '' WHERE "counted"."action" IN ({_listed(SIGN_UP_ACTIONS)})
    UNION ALL
    SELECT '{SIGN_INS}', coalesce("counted"."new_values"->>'method', CASE
        WHEN "counted"."new_values" ? 'second_factor' THEN 'mfa'
        WHEN "counted"."new_values" ? 'amr' THEN 'passkey'
        ELSE 'password' END)
    WHERE "counted"."action" = '{SIGN_IN_ACTION}'
    UNION ALL
    SELECT '{NEW_SESSIONS}', '' WHERE "counted"."action" = '{SIGN_IN_ACTION}'
    UNION ALL
    SELECT '{SIGN_INS}', 'client' WHERE "counted"."action" = '{CLIENT_SIGN_IN_ACTION}'
    UNION ALL
    SELECT '{CLIENT_SIGN_INS}', coalesce("counted"."new_values"->>'client_id', '')
    WHERE "counted"."action" = '{CLIENT_SIGN_IN_ACTION}'
    UNION ALL
    SELECT '{FAILED_SIGN_INS}', '' WHERE "counted"."action" IN ({_listed(FAILED_SIGN_IN_ACTIONS)})
) AS "fact"("metric", "dimension")
"""  # noqa: S608  # constants only
ACTIVE = f"""
SELECT DISTINCT ("created_at" AT TIME ZONE 'UTC')::date, "entity_id" FROM "counted"
WHERE "action" IN ('{SIGN_IN_ACTION}', '{CLIENT_SIGN_IN_ACTION}')
"""  # noqa: S608  # constants only
# Adds the rows of "counted" to the rollups (the tail of a WITH that defines "counted").
ADD_COUNTED = f"""
"added" AS (
    INSERT INTO "analytics_days" ("day", "metric", "dimension", "value")
    SELECT "day", "metric", "dimension", count(*) FROM ({FACTS}) AS "facts" GROUP BY 1, 2, 3
    ON CONFLICT ("day", "metric", "dimension") DO UPDATE SET "value" = "analytics_days"."value" + EXCLUDED."value"
), "active" AS (
    INSERT INTO "analytics_active_users" ("day", "user_id") {ACTIVE}
    ON CONFLICT ("day", "user_id") DO NOTHING
)
SELECT count(*) AS "rows" FROM "counted"
"""  # noqa: S608  # constants only
ROLL_UP_SQL = f"""
WITH "taken" AS (
    DELETE FROM "analytics_queue" WHERE "audit_id" IN (
        SELECT "audit_id" FROM "analytics_queue" ORDER BY "audit_id" LIMIT $1 FOR UPDATE SKIP LOCKED
    ) RETURNING "audit_id"
), "counted" AS (
    SELECT "audit_logs".* FROM "audit_logs" JOIN "taken" ON "audit_logs"."id" = "taken"."audit_id"
), {ADD_COUNTED}"""  # noqa: S608  # constants only
# Emptying the queue and reading the trail in one statement: one snapshot, so a row is either
# in both (counted now) or in neither (committed later: still queued, counted by a pass).
REBUILD_SQL = f"""
WITH "emptied" AS (DELETE FROM "analytics_queue"), "counted" AS (
    SELECT * FROM "audit_logs" WHERE "action" IN ({_listed(COUNTED_ACTIONS)})
), {ADD_COUNTED}"""  # noqa: S608  # constants only

TOTALS_SQL = """
SELECT
    (SELECT count(*) FROM "users" WHERE "deleted_at" IS NULL) AS "users",
    (SELECT count(DISTINCT "user_id") FROM "analytics_active_users" WHERE "day" > $1::date - 7) AS "active_users_7d",
    (SELECT count(DISTINCT "user_id") FROM "analytics_active_users" WHERE "day" > $1::date - 30) AS "active_users_30d",
    (SELECT count(*) FROM "users" WHERE "deleted_at" IS NULL AND "mfa_enabled") AS "mfa_enabled",
    (SELECT count(*) FROM "passkeys" JOIN "users" ON "users"."id" = "passkeys"."user_id"
     WHERE "users"."deleted_at" IS NULL) AS "passkeys"
"""
LIVE_SESSIONS_SQL = """
SELECT "kind", count(*) AS "sessions" FROM "user_sessions"
WHERE "revoked_at" IS NULL AND "expires_at" > now() GROUP BY "kind"
"""
FIGURES_SQL = """
SELECT "day", "metric", "dimension", "value" FROM "analytics_days"
WHERE "day" BETWEEN $1 AND $2 AND "metric" <> $3
"""
ACTIVE_SQL = """
SELECT "day", count(*) AS "users" FROM "analytics_active_users" WHERE "day" BETWEEN $1 AND $2 GROUP BY "day"
"""
CLIENTS_SQL = """
SELECT "dimension" AS "client_id", sum("value")::bigint AS "sign_ins" FROM "analytics_days"
WHERE "metric" = $3 AND "day" BETWEEN $1 AND $2 GROUP BY "dimension" ORDER BY 2 DESC, 1
"""


class AnalyticsRepository(Repository):
    async def figures(self, first: date, last: date) -> list[tuple[date, str, str, int]]:
        """The daily counts of the range but the per-client ones: (day, metric, dimension, value)."""
        rows = await self._db.execute_query_dict(FIGURES_SQL, [first, last, CLIENT_SIGN_INS])
        return [(row["day"], row["metric"], row["dimension"], row["value"]) for row in rows]

    async def active_users(self, first: date, last: date) -> dict[date, int]:
        rows = await self._db.execute_query_dict(ACTIVE_SQL, [first, last])
        return {row["day"]: row["users"] for row in rows}

    async def totals(self, today: date) -> dict[str, int]:
        """Now: live accounts, distinct active users of the last 7 and 30 days (today
        included), accounts with MFA on, and the passkeys of live accounts."""
        return await totals(self._db, today)

    async def client_sign_ins(self, first: date, last: date) -> list[dict]:
        return await self._db.execute_query_dict(CLIENTS_SQL, [first, last, CLIENT_SIGN_INS])


async def roll_up_once(*, batch: int = ROLL_UP_BATCH) -> int | None:
    """Count up to `batch` queued audit rows; how many (None: a rebuild or another worker's
    pass holds the lock, so this one is skipped)."""
    async with in_transaction() as connection:
        (locked,) = await connection.execute_query_dict("SELECT pg_try_advisory_xact_lock($1) AS got", [ROLL_UP_LOCK])
        if not locked["got"]:
            return None
        (row,) = await connection.execute_query_dict(ROLL_UP_SQL, [batch])
        return row["rows"]


async def rebuild() -> int:
    """The rollups recomputed from the whole audit trail: how many rows counted. Under the
    roll-up's lock, so no pass writes the rollups meanwhile (REBUILD_SQL keeps the queue true)."""
    async with in_transaction() as connection:
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [ROLL_UP_LOCK])
        await connection.execute_script('DELETE FROM "analytics_days"; DELETE FROM "analytics_active_users";')
        (row,) = await connection.execute_query_dict(REBUILD_SQL)
        return row["rows"]


async def totals(db: BaseDBAsyncClient | None, today: date) -> dict[str, int]:
    """AnalyticsRepository.totals, on `db` (None: the pool)."""
    (row,) = await (db or connections.get("default")).execute_query_dict(TOTALS_SQL, [today])
    return dict(row)


async def live_sessions() -> dict[str, int]:
    """Sessions not ended nor expired, by kind (api, browser, grant): a gauge, not a figure by day."""
    rows = await connections.get("default").execute_query_dict(LIVE_SESSIONS_SQL)
    return {row["kind"]: row["sessions"] for row in rows}


def window_start(today: date, days: int) -> date:
    """The first day of a window of `days` that ends today (TOTALS_SQL's rule)."""
    return today - timedelta(days=days - 1)
