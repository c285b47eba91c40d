"""An account's security: how its sessions ended, what an administrator sees of them and ends,
and which security mails its owner wants (docs/api.md, "Sessions and tokens").

Every place that ends a session names one of END_REASONS; `ended_by` says who did it when
someone did (an admin, the user, a calling service), and is empty for what the service
decided itself (a reused refresh token) or what time did (expiry).
"""

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictBool

from usersvc.domain.commands import Command


class EndReason(StrEnum):
    LOGOUT = "logout"  # the session's holder signed out (also a client's RP-initiated logout or token revocation)
    REVOKED = "revoked"  # someone ended it: the user from another session, an admin, a withdrawn consent
    EXPIRED = "expired"  # its refresh token or its maximum age ran out (computed when read, never stored)
    REFRESH_REUSE = "refresh_reuse"  # a spent refresh token (or a spent authorization code) came back
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - a password change or reset ended the other sessions
    DEACTIVATED = "deactivated"  # the user was deactivated or deleted


class ListUserSessions(Command):
    """A user's sessions, live and ended, newest first: how each ended and who ended it
    (admins and services any user's; moderators plain users')."""

    ROUTING_KEY: ClassVar[str] = "user.sessions_list"
    user_id: UUID


class EndUserSessions(Command):
    """End every live session of a user at once, their tokens with them (admins and services
    any user's; moderators plain users'). Recorded as `revoked`, by the actor."""

    ROUTING_KEY: ClassVar[str] = "user.sessions_end"
    user_id: UUID


class NotificationSettingsBody(Command):
    new_sign_in: StrictBool = Field(
        description="mail me when my account is signed in to from a device and network not seen in 30 days"
    )


class GetNotificationSettings(Command):
    """The security mails a user gets that they may turn off (the user, or a service)."""

    ROUTING_KEY: ClassVar[str] = "auth.notifications_get"
    user_id: UUID


class UpdateNotificationSettings(NotificationSettingsBody):
    """Turn the new-sign-in mail on or off (the user, or a service); audited. Mails about a
    changed password, email or second factor always go."""

    ROUTING_KEY: ClassVar[str] = "auth.notifications_update"
    user_id: UUID


class NotificationSettings(BaseModel):
    new_sign_in: bool


class EndedBy(BaseModel):
    type: Literal["user", "service"]
    id: str = Field(description="A user id, or a service's broker user")


class UserSessionView(BaseModel):
    id: UUID
    kind: str = Field(description="api: a login | browser: a sign-in at the OpenID provider | grant: an OAuth client's")
    client_id: str | None = Field(description="grant sessions: the client")
    created_at: str = Field(description="UTC, ISO 8601")
    last_used_at: str | None = Field(description="UTC, ISO 8601: the last login or refresh")
    ip_address: str | None
    user_agent: str | None
    ended_at: str | None = Field(description="UTC, ISO 8601; null while the session is live")
    end_reason: EndReason | None = Field(description="null while the session is live")
    ended_by: EndedBy | None = Field(description="who ended it, when someone did")


class UserSessionList(BaseModel):
    data: list[UserSessionView]
