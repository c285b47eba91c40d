"""Where accounts signed in from (known_sign_ins), for the new-sign-in mail (workers/security_mails.py)."""

import uuid
from datetime import datetime

from usersvc.workers.repositories.base import Repository

# What the account knew before this sign-in (the statement's snapshot), and this sign-in
# remembered: one round trip, under the user's row lock, so two sign-ins of one account
# cannot both find the place new.
SEEN_SQL = """
WITH "before" AS (
    SELECT count(*) AS "known",
           max("last_seen_at") FILTER (WHERE "device" = $2 AND "network" = $3) AS "pair_seen"
    FROM "known_sign_ins" WHERE "user_id" = $1
), "seen" AS (
    INSERT INTO "known_sign_ins" ("id", "user_id", "device", "network", "first_seen_at", "last_seen_at")
    VALUES ($4, $1, $2, $3, $5, $5)
    ON CONFLICT ("user_id", "device", "network") DO UPDATE SET "last_seen_at" = EXCLUDED."last_seen_at"
)
SELECT "known", "pair_seen" FROM "before"
"""


class SignInsRepository(Repository):
    async def seen(
        self, user_id: uuid.UUID, *, device: str, network: str, now: datetime
    ) -> tuple[int, datetime | None]:
        """Remember a sign-in from (device, network): how many places the account knew
        before, and when it last used this one (None: never)."""
        (row,) = await self._db.execute_query_dict(SEEN_SQL, [user_id, device, network, uuid.uuid4(), now])
        return row["known"], row["pair_seen"]
