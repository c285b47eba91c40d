"""Security notices to an account's address, through the mail outbox (written with their
change, sent after commit): a changed password, a second factor added or removed, and a
sign-in from a device and network the account has not used for 30 days (which the user may
turn off: users.notify_new_sign_in). The changed email's notice to the old address is
workers/email_change.py's. Each names when, and from which device and address, the request
came (a calling service's commands have neither: "unknown")."""

from datetime import datetime
from typing import TYPE_CHECKING

from usersvc.domain.sign_in_places import NEW_PLACE_AFTER, UNKNOWN, device_of, network_of
from usersvc.workers.models import User

if TYPE_CHECKING:
    from usersvc.workers.deps import WorkerDeps
    from usersvc.workers.unit_of_work import UnitOfWork

PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a template name
MFA_ADDED = "mfa_added"
MFA_REMOVED = "mfa_removed"
NEW_SIGN_IN = "new_sign_in"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def request_values(unit: "UnitOfWork") -> dict[str, str]:
    return {
        "time": _when(unit.now),
        "device": device_of(unit.context.user_agent),
        "ip_address": unit.context.ip or UNKNOWN,
    }


async def mail_security_notice(deps: "WorkerDeps", unit: "UnitOfWork", user: User, *, template: str) -> None:
    """A notice to the account's address about a change made by this command."""
    await deps.mail.queue(
        unit, template=template, to=user.email, values={"username": user.username, **request_values(unit)}
    )


async def note_sign_in(deps: "WorkerDeps", unit: "UnitOfWork", user: User) -> bool:
    """Remember where this sign-in came from; mail the owner when the account signed in
    before, but not from this device and network within NEW_PLACE_AFTER, and they did not
    turn it off. An account's first sign-in is mailed to no one: there is nothing to compare
    it with. `user` is locked by the caller. Returns whether a mail was queued."""
    device, network = device_of(unit.context.user_agent), network_of(unit.context.ip)
    known, pair_seen = await unit.sign_ins.seen(user.id, device=device, network=network, now=unit.now)
    new_place = pair_seen is None or pair_seen <= unit.now - NEW_PLACE_AFTER
    known_elsewhere = known > 0
    if not (known_elsewhere and new_place and user.notify_new_sign_in):
        return False
    await mail_security_notice(deps, unit, user, template=NEW_SIGN_IN)
    return True
