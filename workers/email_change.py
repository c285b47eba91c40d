"""Moving a user to another address: re-authentication, and the two mails it sends.

A user who changes their own email proves they know the password (current_password in the
same command), checked with bcrypt before the transaction. The new address gets a
verification link, and the old one a notice naming the new address masked, so an owner
whose token was stolen learns of it from the address they still read.
"""

import asyncio
from typing import TYPE_CHECKING

from usersvc.domain import rbac
from usersvc.domain.commands import ReplaceUser, UpdateUser
from usersvc.domain.one_time_tokens import TokenPurpose
from usersvc.domain.rbac import Principal
from usersvc.workers.account_tokens import mail_token, retire_tokens
from usersvc.workers.models import User
from usersvc.workers.security_mails import request_values

if TYPE_CHECKING:
    from usersvc.workers.deps import WorkerDeps
    from usersvc.workers.unit_of_work import UnitOfWork

NOTICE_TEMPLATE = "email_changed"


def masked_email(address: str) -> str:
    """'john@example.com' → 'j***@e***.com': enough for the owner to recognise, little for others."""
    local, _, domain = address.partition("@")
    name, dot, top = domain.rpartition(".")
    if not dot:  # a domain without a dot (a local test host)
        name, top = domain, ""
    return f"{local[:1]}***@{name[:1]}***{dot}{top}"


async def reauthenticate(
    deps: "WorkerDeps", unit: "UnitOfWork", command: UpdateUser | ReplaceUser, principal: Principal
) -> str | None:
    """Before the transaction of user.update and user.replace (after their authorization):
    when the actor moves their own account to another address, check current_password and
    return the hash it matched; None when no re-authentication is needed. In the
    transaction, require_reauthentication compares that hash with the locked row's."""
    if command.email is None or not principal.is_self(command.user_id):
        return None
    user = await unit.users.find(command.user_id)
    if user is None or not rbac.changes_own_email(
        principal, target_id=user.id, old_email=user.email, new_email=command.email
    ):
        return None
    if command.current_password is None:
        raise rbac.reauthentication_required()
    if not await asyncio.to_thread(deps.hasher.verify, command.current_password, user.password_hash):
        raise rbac.reauthentication_required()
    return user.password_hash


def require_reauthentication(
    unit: "UnitOfWork", user: User, *, new_email: str | None, checked_hash: str | None
) -> None:
    """In the transaction, on the locked row: the password checked before (`checked_hash`,
    what reauthenticate returned) is still the user's, and the address it was checked for is
    still the one being left."""
    if rbac.changes_own_email(unit.principal, target_id=user.id, old_email=user.email, new_email=new_email) and (
        checked_hash is None or checked_hash != user.password_hash
    ):
        raise rbac.reauthentication_required()


async def mail_email_change(deps: "WorkerDeps", unit: "UnitOfWork", user: User, *, old_email: str) -> None:
    """A verification link to the new address, and a notice to the old one (no link in it),
    saying when and from where, like the other security notices. Links mailed to the earlier
    address die with it."""
    await retire_tokens(unit, user_id=user.id)
    await mail_token(
        deps, unit, user_id=user.id, email=user.email, username=user.username, purpose=TokenPurpose.VERIFY_EMAIL
    )
    await deps.mail.queue(
        unit,
        template=NOTICE_TEMPLATE,
        to=old_email,
        values={"username": user.username, "new_email": masked_email(user.email), **request_values(unit)},
    )
