"""Security notices to an account's address, through the mail outbox (written with their
change, sent after commit): a changed password, a second factor added or removed, and a
sign-in from a device and network the account has not used for 30 days (which the user may
turn off: users.notify_new_sign_in). The changed email's notice to the old address is
workers/email_change.py's. Each names when, and from which device and address, the request
came (a calling service's commands have neither: "unknown")."""

import uuid
from datetime import datetime

from usersvc.domain.sign_in_places import NEW_PLACE_AFTER, UNKNOWN, device_of, network_of
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.models import User

PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a template name
MFA_ADDED = "mfa_added"
MFA_REMOVED = "mfa_removed"
NEW_SIGN_IN = "new_sign_in"

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


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def request_values(unit: UnitOfWork) -> dict[str, str]:
    return {
        "time": _when(unit.now),
        "device": device_of(unit.context.user_agent),
        "ip_address": unit.context.ip or UNKNOWN,
    }


async def mail_security_notice(deps: WorkerDeps, unit: UnitOfWork, user: User, *, template: str) -> None:
    """A notice to the account's address about a change made by this command."""
    await deps.mail.queue(
        unit, template=template, to=user.email, values={"username": user.username, **request_values(unit)}
    )


async def note_sign_in(deps: WorkerDeps, unit: UnitOfWork, user: User) -> bool:
    """Remember where this sign-in came from; mail the owner when the account signed in
    before, but not from this device and network within NEW_PLACE_AFTER, and they did not
    turn it off. An account's first sign-in is mailed to no one: there is nothing to compare
    it with. `user` is locked by the caller. Returns whether a mail was queued."""
    device, network = device_of(unit.context.user_agent), network_of(unit.context.ip)
    (row,) = await unit.connection.execute_query_dict(SEEN_SQL, [user.id, device, network, uuid.uuid4(), unit.now])
    known_elsewhere = row["known"] > 0
    new_place = row["pair_seen"] is None or row["pair_seen"] <= unit.now - NEW_PLACE_AFTER
    if not (known_elsewhere and new_place and user.notify_new_sign_in):
        return False
    await mail_security_notice(deps, unit, user, template=NEW_SIGN_IN)
    return True
