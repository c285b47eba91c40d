"""Roles, and the one place that decides whether an actor may do a thing to a user."""

from dataclasses import dataclass
from enum import StrEnum

from usersvc.domain.errors import DomainError, ErrorCode, FieldError


class Role(StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF = frozenset({Role.ADMIN, Role.MODERATOR})
PRIVILEGED_FIELDS = frozenset({"role", "is_active"})
# What a moderator may change of a plain user. Never email or username: a moderator who could
# set a user's address could take the account over with a password reset.
MODERATED_FIELDS = frozenset({"first_name", "last_name", "phone", "is_active"})


@dataclass(frozen=True)
class Principal:
    """Who is acting. Services act with admin rights (docs/api.md, "Bus") and have no user id."""

    kind: str  # "user" | "service"
    id: str
    role: Role

    def is_self(self, user_id: object) -> bool:
        return self.kind == "user" and self.id == str(user_id)


def _forbid(message: str = "You are not allowed to do this") -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, message)


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise _forbid()


def authorize_read(principal: Principal, user_id: object) -> None:
    if principal.role not in STAFF and not principal.is_self(user_id):
        raise _forbid()


def authorize_replace(principal: Principal, user_id: object) -> None:
    if principal.role != Role.ADMIN and not principal.is_self(user_id):
        raise _forbid()


def authorize_update_of_anyone(principal: Principal, target_id: object) -> None:
    """Before the target is read: someone who may change no one else gets the same 403
    whether the target exists or not (no existence oracle)."""
    if principal.role not in STAFF and not principal.is_self(target_id):
        raise _forbid()


def authorize_update_fields(principal: Principal, *, target_id: object, fields: set[str]) -> None:
    """The PATCH rules the fields alone decide, before the target is read (the edge applies
    them early; authorize_update applies them again)."""
    authorize_update_of_anyone(principal, target_id)
    if principal.is_self(target_id):
        if fields & PRIVILEGED_FIELDS:
            raise _forbid("You may not change your own role or active state")
        return
    if "role" in fields and principal.role != Role.ADMIN:
        raise _forbid("Only an admin may change a role")
    if principal.role == Role.MODERATOR and not fields <= MODERATED_FIELDS:
        raise _forbid("A moderator may change only first_name, last_name, phone and is_active")


def authorize_update(principal: Principal, *, target_id: object, target_role: Role, fields: set[str]) -> None:
    """PATCH rules: admin any; moderator only plain users, and only MODERATED_FIELDS; self
    only profile fields."""
    authorize_update_fields(principal, target_id=target_id, fields=fields)
    if principal.role == Role.ADMIN or principal.is_self(target_id):
        return
    if principal.role == Role.MODERATOR and target_role == Role.USER:
        return
    raise _forbid()


def changes_own_email(principal: Principal, *, target_id: object, old_email: str, new_email: str | None) -> bool:
    """A user moving their own account to another address must prove they know its password
    (re-authentication): a stolen access token alone cannot move the account away."""
    return principal.is_self(target_id) and new_email is not None and new_email != old_email


def reauthentication_required() -> DomainError:
    return DomainError(
        ErrorCode.REAUTHENTICATION_REQUIRED, "Changing your email needs your current password (current_password)"
    )


def authorize_delete(principal: Principal, user_id: object) -> None:
    require_role(principal, Role.ADMIN)
    if principal.is_self(user_id):
        raise _forbid("You may not delete yourself")


def authorize_password_change(principal: Principal, user_id: object) -> None:
    """Self or admin; decided before any password in the body is looked at."""
    if not principal.is_self(user_id) and principal.role != Role.ADMIN:
        raise _forbid()


def require_current_password(principal: Principal, user_id: object, *, has_current_password: bool) -> None:
    """Changing one's own password needs the current one (admins too)."""
    if principal.is_self(user_id) and not has_current_password:
        raise DomainError(
            ErrorCode.VALIDATION_ERROR,
            "Request validation failed",
            [FieldError(field="current_password", message="required to change your own password")],
        )


def authorize_own_mfa(principal: Principal, user_id: object) -> None:
    """Enrolling, confirming and turning off one's second factor: the user itself, or a calling
    service relaying that user (it must still present the user's password and codes)."""
    if not (principal.is_self(user_id) or (principal.kind == "service" and principal.role == Role.ADMIN)):
        raise _forbid()


def authorize_mfa_reset(principal: Principal, user_id: object) -> None:
    """Turning off someone's MFA without their codes (a lost authenticator): admins and services.
    Not one's own: that goes through the password and a code, so a stolen admin token
    cannot strip its owner's second factor."""
    require_role(principal, Role.ADMIN)
    if principal.is_self(user_id):
        raise _forbid("Turn off your own MFA with your password and a code")


def require_service(principal: Principal) -> None:
    """Commands for calling services only (user.import), never for users through the edge."""
    if principal.kind != "service" or principal.role != Role.ADMIN:
        raise _forbid("Only a calling service may do this")


def authorize_session_oversight(principal: Principal, *, target_role: Role | None = None) -> None:
    """Seeing and ending someone's sessions (GET and DELETE /v1/users/{id}/sessions): admins
    and services any user's, moderators plain users'. Without `target_role`, what the
    caller's role alone decides, before anything about the target is read."""
    require_role(principal, *STAFF)
    if target_role is not None and principal.role == Role.MODERATOR and target_role != Role.USER:
        raise _forbid("A moderator may see and end only plain users' sessions")


def authorize_own_settings(principal: Principal, user_id: object) -> None:
    """One's own notification settings: the user itself, or a calling service relaying that user."""
    if not (principal.is_self(user_id) or (principal.kind == "service" and principal.role == Role.ADMIN)):
        raise _forbid()
