"""Commands: one frozen model per intent, each naming its routing key on `usersvc.commands`.

The edge, the workers and outside services all speak these. A body on the bus is
`{"actor": …, "data": <one of these>, "context": …}` (see CommandEnvelope).
"""

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)
from usersvc.domain.passwords import password_problem
from usersvc.domain.rbac import Role

USERNAME_PATTERN = r"^[A-Za-z0-9_]{3,50}$"
PHONE_PATTERN = r"^\+?[0-9\-\(\) ]{7,20}$"
USER_SORT_FIELDS = ("created_at", "updated_at", "username", "email", "last_name")
MAX_PAGE_SIZE = 100


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None


def _new_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _user_sort(value: str) -> str:
    if value.removeprefix("-") not in USER_SORT_FIELDS:
        raise ValueError("must be one of " + ", ".join(USER_SORT_FIELDS) + ", optionally prefixed by -")
    return value


Username = Annotated[StrictStr, Field(pattern=USERNAME_PATTERN, description="3-50 of [A-Za-z0-9_]")]
Email = Annotated[StrictStr, Field(max_length=254), AfterValidator(_email)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=100)]
Phone = Annotated[StrictStr, Field(pattern=PHONE_PATTERN)]
NewPassword = Annotated[StrictStr, AfterValidator(_new_password), Field(
    repr=False, description="8-128 chars; upper, lower, digit and one of !@#$%^&*")]
AnyPassword = Annotated[StrictStr, Field(min_length=1, max_length=1024)]
PageNumber = Annotated[int, Field(ge=1, le=1_000_000)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
ETag = Annotated[str | None, Field(None, max_length=200, description="If-Match: the ETag the caller last saw")]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ROUTING_KEY: ClassVar[str]
    HASHES_PASSWORD: ClassVar[bool] = False  # costs one bcrypt (≈ 0.2-0.3 s of a core)
    # Carries a password or token: its queue never dead-letters it (docs/api.md, "Bus").
    CARRIES_SECRET: ClassVar[bool] = False


class Actor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["user", "service"]
    id: StrictStr = Field(min_length=1, max_length=200)


class CommandContext(BaseModel):
    """Where a command came from; recorded in the audit trail."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    request_id: str | None = Field(None, max_length=200)
    ip: str | None = Field(None, max_length=64)
    user_agent: str | None = Field(None, max_length=500)


class UserProfile(Command):
    """The fields PUT replaces (all required but phone)."""

    username: Username
    email: Email
    first_name: Name
    last_name: Name
    phone: Phone | None = None


class UserCreateBody(UserProfile):
    password: NewPassword
    role: Role = Role.USER
    is_active: StrictBool = True


class UserPatchBody(Command):
    username: Username | None = None
    email: Email | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    role: Role | None = None
    is_active: StrictBool | None = None

    @model_validator(mode="after")
    def _no_nulls_but_phone(self) -> "UserPatchBody":
        for name in self.model_fields_set & set(UserPatchBody.model_fields) - {"phone"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self


class PasswordChangeBody(Command):
    current_password: AnyPassword | None = Field(None, repr=False)
    new_password: NewPassword


class LoginBody(Command):
    email: StrictStr | None = Field(None, max_length=254)
    username: StrictStr | None = Field(None, max_length=50)
    password: AnyPassword = Field(repr=False)

    @model_validator(mode="after")
    def _one_identifier(self) -> "LoginBody":
        if (self.email is None) == (self.username is None):
            raise ValueError("give either email or username")
        return self


class CreateUser(UserCreateBody):
    ROUTING_KEY: ClassVar[str] = "user.create"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True


class GetUser(Command):
    ROUTING_KEY: ClassVar[str] = "user.get"
    user_id: UUID


class PagedQuery(Command):
    page: PageNumber = 1
    page_size: PageSize = 20


class ListUsers(PagedQuery):
    ROUTING_KEY: ClassVar[str] = "user.list"
    role: Role | None = None
    is_active: bool | None = None
    search: str | None = Field(None, min_length=1, max_length=100)
    sort: Annotated[str, AfterValidator(_user_sort)] = "-created_at"


class ReplaceUser(UserProfile):
    ROUTING_KEY: ClassVar[str] = "user.replace"
    user_id: UUID
    if_match: ETag = None


class UpdateUser(UserPatchBody):
    ROUTING_KEY: ClassVar[str] = "user.update"
    user_id: UUID
    if_match: ETag = None

    def changes(self) -> dict:
        return self.model_dump(include=self.model_fields_set - {"user_id", "if_match"})


class DeleteUser(Command):
    ROUTING_KEY: ClassVar[str] = "user.delete"
    user_id: UUID
    if_match: ETag = None


class ChangePassword(PasswordChangeBody):
    ROUTING_KEY: ClassVar[str] = "user.change_password"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True
    user_id: UUID
    keep_session_id: UUID | None = Field(None, description="the caller's own session, left open")


class Login(LoginBody):
    ROUTING_KEY: ClassVar[str] = "auth.login"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True


class RefreshBody(Command):
    refresh_token: StrictStr = Field(min_length=1, max_length=4096, repr=False)


class Refresh(RefreshBody):
    """Spend a refresh token for a new pair; a spent one presented again revokes its session."""

    ROUTING_KEY: ClassVar[str] = "auth.refresh"
    CARRIES_SECRET: ClassVar[bool] = True


class Logout(Command):
    """End a session at once (its access and refresh tokens)."""

    ROUTING_KEY: ClassVar[str] = "auth.logout"
    session_id: UUID


class RevokeSession(Command):
    """End one of the actor's sessions (admins and services: anyone's)."""

    ROUTING_KEY: ClassVar[str] = "session.revoke"
    session_id: UUID


class ListSessions(Command):
    """The actor's active sessions; `current` marks current_session_id."""

    ROUTING_KEY: ClassVar[str] = "session.list"
    current_session_id: UUID | None = None


class CheckSession(Command):
    """Edge-internal: is this session still active, and with which role? (cache miss path)"""

    ROUTING_KEY: ClassVar[str] = "session.check"
    session_id: UUID


class ListAuditLogs(PagedQuery):
    ROUTING_KEY: ClassVar[str] = "audit.list"
    entity_id: str | None = Field(None, max_length=200)
    actor_id: str | None = Field(None, max_length=200)
    action: str | None = Field(None, max_length=100)


class Ping(Command):
    """Readiness probe: answered by any worker without touching state."""

    ROUTING_KEY: ClassVar[str] = "system.ping"
