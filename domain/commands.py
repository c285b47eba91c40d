"""Commands: one frozen model per intent, each naming its routing key on `usersvc.commands`.

The edge, the workers and outside services all speak these. A body on the bus is
`{"actor": …, "data": <one of these>, "context": …}` (see CommandEnvelope).
"""

from typing import Annotated, Any, ClassVar, Literal, cast
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

from usersvc.domain.identifiers import email_form, login_email, username_form
from usersvc.domain.oauth import (
    DEFAULT_CLIENT_SCOPES,
    DEFAULT_GRANT_TYPES,
    GRANT_TYPES,
    MAX_REDIRECT_URI_LENGTH,
    SCOPES,
)
from usersvc.domain.passwords import imported_hash_problem, password_problem
from usersvc.domain.rbac import Role

USERNAME_PATTERN = r"^[A-Za-z0-9_]{3,50}$"
PHONE_PATTERN = r"^\+?[0-9\-\(\) ]{7,20}$"
USER_SORT_FIELDS = ("created_at", "updated_at", "username", "email", "last_name")
MAX_PAGE_SIZE = 100


def _new_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _user_sort(value: str) -> str:
    if value.removeprefix("-") not in USER_SORT_FIELDS:
        raise ValueError("must be one of " + ", ".join(USER_SORT_FIELDS) + ", optionally prefixed by -")
    return value


# Compatibility forms (full-width letters) are read as the letters they stand for before the
# ASCII rule applies; domain/identifiers.py says why.
Username = Annotated[
    StrictStr,
    BeforeValidator(username_form),
    Field(pattern=USERNAME_PATTERN, description="3-50 of [A-Za-z0-9_] (after NFKC); unique case-insensitively"),
]
Email = Annotated[
    StrictStr,
    Field(max_length=254, description="stored with its local part NFKC case-folded and its domain IDNA-normalised"),
    AfterValidator(email_form),
]
Name = Annotated[StrictStr, Field(min_length=1, max_length=100)]
Phone = Annotated[StrictStr, Field(pattern=PHONE_PATTERN)]
NewPassword = Annotated[
    StrictStr,
    AfterValidator(_new_password),
    Field(repr=False, description="8-128 chars; upper, lower, digit and one of !@#$%^&*"),
]
AnyPassword = Annotated[StrictStr, Field(min_length=1, max_length=1024)]
PageNumber = Annotated[int, Field(ge=1, le=1_000_000)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
CurrentPassword = Annotated[
    StrictStr,
    Field(min_length=1, max_length=1024, repr=False, description="the user's current password (re-authentication)"),
]
# Optional: a field of its own, as repr=False applies to a field, not to one arm of a union.
EMAIL_CHANGE_PASSWORD = Field(
    None,
    min_length=1,
    max_length=1024,
    repr=False,
    description="the user's current password: required when the user changes their own email (re-authentication)",
)
ETAG_MAX_LENGTH = 200
ETag = Annotated[
    str | None, Field(None, max_length=ETAG_MAX_LENGTH, description="If-Match: the ETag the caller last saw")
]


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


class UserReplaceBody(UserProfile):
    """PUT's body: the profile, and the current password when the user changes their own email."""

    current_password: StrictStr | None = EMAIL_CHANGE_PASSWORD


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
    current_password: StrictStr | None = EMAIL_CHANGE_PASSWORD

    @model_validator(mode="after")
    def _no_nulls_but_phone(self) -> "UserPatchBody":
        for name in self.model_fields_set & set(UserPatchBody.model_fields) - {"phone", "current_password"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may not be null")
        return self


class PasswordChangeBody(Command):
    current_password: AnyPassword | None = Field(None, repr=False)
    new_password: NewPassword


class LoginBody(Command):
    # Read as the account's identifiers are stored, so either form of a look-alike signs in.
    email: Annotated[StrictStr, AfterValidator(login_email)] | None = Field(None, max_length=254)
    username: Annotated[StrictStr, AfterValidator(username_form)] | None = Field(None, max_length=50)
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


class ReplaceUser(UserReplaceBody):
    ROUTING_KEY: ClassVar[str] = "user.replace"
    CARRIES_SECRET: ClassVar[bool] = True  # current_password
    user_id: UUID
    if_match: ETag = None


class UpdateUser(UserPatchBody):
    ROUTING_KEY: ClassVar[str] = "user.update"
    CARRIES_SECRET: ClassVar[bool] = True  # current_password
    user_id: UUID
    if_match: ETag = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set - {"user_id", "if_match", "current_password"})


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
    client: str | None = Field(
        None,
        max_length=100,
        description="the client as the login back-off knows it (its address, or its IPv6 /64): "
        "a client that logged in to the account lately is not held back",
    )
    browser_session_digest: str | None = Field(
        None,
        min_length=64,
        max_length=64,
        pattern="^[0-9a-f]{64}$",
        description="the provider's sign-in page: open the browser session of this cookie digest, issue no tokens",
    )


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


class ListSessionsOfUsers(Command):
    """The active sessions of several users at once, newest first (admins and services; a user
    only its own): what GraphQL's `User.sessions` loads a page of users' sessions with."""

    ROUTING_KEY: ClassVar[str] = "session.list_of_users"
    user_ids: list[UUID] = Field(min_length=1, max_length=MAX_PAGE_SIZE)


class CheckSession(Command):
    """Edge-internal: is this session still active, and with which role? (cache miss path)"""

    ROUTING_KEY: ClassVar[str] = "session.check"
    session_id: UUID


# --- account lifecycle: registration, email verification, password reset ---------------

OneTimeToken = Annotated[
    StrictStr, Field(min_length=1, max_length=200, repr=False, description="the token from the mailed link")
]


class RegistrationBody(UserProfile):
    """Self-registration: a profile and a password; the role is always `user`."""

    password: NewPassword


class Register(RegistrationBody):
    """Register for an account (only while ALLOW_REGISTRATION is on). A new address gets an
    account (role user, unverified) and a verification link; an address that has an account
    gets a mail to its owner instead, and nothing changes. The reply is the same,
    {"status": "verification_sent"}; a taken username is USERNAME_TAKEN. Sent by the edge
    only (it carries the new user's password)."""

    ROUTING_KEY: ClassVar[str] = "auth.register"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True


class RequestEmailVerification(Command):
    """Mail a new verification link to the user's current email (self, admin or service);
    earlier links stop working. Nothing is sent when the email is verified already."""

    ROUTING_KEY: ClassVar[str] = "auth.request_email_verification"
    user_id: UUID


class VerifyEmailBody(Command):
    token: OneTimeToken


class VerifyEmail(VerifyEmailBody):
    """Spend an email-verification token: the user's `email_verified` becomes true.
    Sent by the edge only (a public one-time token)."""

    ROUTING_KEY: ClassVar[str] = "auth.verify_email"
    CARRIES_SECRET: ClassVar[bool] = True


class PasswordResetBody(Command):
    email: Email


class RequestPasswordReset(PasswordResetBody):
    """Mail a password-reset link to this address if it belongs to an active user. The reply
    is the same whether or not it does."""

    ROUTING_KEY: ClassVar[str] = "auth.request_password_reset"


class PasswordResetConfirmBody(Command):
    token: OneTimeToken
    new_password: NewPassword


class ResetPassword(PasswordResetConfirmBody):
    """Spend a password-reset token for a new password; every session of the user is revoked.
    Sent by the edge only (a public one-time token)."""

    ROUTING_KEY: ClassVar[str] = "auth.reset_password"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True


class ListAuditLogs(PagedQuery):
    ROUTING_KEY: ClassVar[str] = "audit.list"
    entity_id: str | None = Field(None, max_length=200)
    actor_id: str | None = Field(None, max_length=200)
    action: str | None = Field(None, max_length=64)  # the audit_logs.action column


class ListAuditOfEntities(Command):
    """The newest audit entries of each of several entities at once, at most `per_entity`
    each, newest first (admin): what GraphQL's `User.auditEntries` loads a page of users'
    entries with."""

    ROUTING_KEY: ClassVar[str] = "audit.list_of_entities"
    entity_ids: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=MAX_PAGE_SIZE)
    per_entity: PageSize = 20


class Ping(Command):
    """Readiness probe: answered by any worker without touching state."""

    ROUTING_KEY: ClassVar[str] = "system.ping"


class GetSigningKeys(Command):
    """The public signing keys whose tokens may still be live, with the set's version: what
    the edge verifies access tokens with."""

    ROUTING_KEY: ClassVar[str] = "signing_keys.get"


# --- MFA (TOTP) ---------------------------------------------------------------------------

MfaCode = Annotated[
    StrictStr,
    Field(
        min_length=6, max_length=32, repr=False, description="a 6-digit TOTP code (or, where allowed, a recovery code)"
    ),
]


class TotpEnrolBody(Command):
    password: CurrentPassword


class EnrolTotp(TotpEnrolBody):
    """Start TOTP enrolment (the user itself, or a calling service relaying the user's password):
    the reply holds a new secret and its otpauth:// URI, once. MFA is on only after
    auth.mfa_totp_confirm; refused while it is on."""

    ROUTING_KEY: ClassVar[str] = "auth.mfa_totp_enrol"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True
    user_id: UUID


class TotpConfirmBody(Command):
    code: MfaCode


class ConfirmTotp(TotpConfirmBody):
    """Turn MFA on with a current code of the enrolled authenticator; the reply holds ten
    single-use recovery codes, shown this once. A wrong code is a VALIDATION_ERROR. Every
    other session of the user ends: none goes on without the second factor."""

    ROUTING_KEY: ClassVar[str] = "auth.mfa_totp_confirm"
    CARRIES_SECRET: ClassVar[bool] = True
    user_id: UUID
    keep_session_id: UUID | None = Field(None, description="the caller's own session, left open")


class TotpDisableBody(Command):
    password: CurrentPassword
    code: MfaCode = Field(description="a current TOTP code or an unused recovery code")


class DisableTotp(TotpDisableBody):
    """Turn one's own MFA off with the password and a code (TOTP or recovery code)."""

    ROUTING_KEY: ClassVar[str] = "auth.mfa_totp_disable"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True
    user_id: UUID


class ResetMfa(Command):
    """Turn a user's MFA off without their codes (admin or service, not on oneself), e.g. after a
    lost authenticator; audited as user.mfa_disable."""

    ROUTING_KEY: ClassVar[str] = "user.mfa_disable"
    user_id: UUID


class MfaVerifyBody(Command):
    mfa_token: StrictStr = Field(
        min_length=1, max_length=200, repr=False, description="from the login reply with mfa_required"
    )
    code: MfaCode = Field(description="a current TOTP code or an unused recovery code")


class VerifyMfa(MfaVerifyBody):
    """Second login step (edge only): spend the mfa_token with a correct code for the login
    reply (tokens, user). A wrong code is INVALID_CREDENTIALS; the fifth spends the token."""

    ROUTING_KEY: ClassVar[str] = "auth.mfa_verify"
    CARRIES_SECRET: ClassVar[bool] = True
    browser_session_digest: str | None = Field(
        None,
        min_length=64,
        max_length=64,
        pattern="^[0-9a-f]{64}$",
        description="the provider's sign-in page: open the browser session of this cookie digest, issue no tokens",
    )


# --- import -------------------------------------------------------------------------------


def _imported_hash(value: str) -> str:
    problem = imported_hash_problem(value)
    if problem:
        raise ValueError(problem)
    return value


ImportedHash = Annotated[
    StrictStr,
    Field(
        max_length=255,
        repr=False,
        description="bcrypt ($2a$/$2b$/$2y$), argon2 ($argon2id$…) or "
        "PBKDF2-SHA256 ($pbkdf2-sha256$…) in modular-crypt format",
    ),
    AfterValidator(_imported_hash),
]
MAX_IMPORT_BATCH = 1000


class ImportedUser(UserProfile):
    """One user brought from another system, with the hash of their existing password."""

    password_hash: ImportedHash
    role: Role = Role.USER
    is_active: StrictBool = True
    email_verified: StrictBool = False


class ImportUsers(Command):
    """Create users with their existing password hashes (calling services only). Idempotent by
    email: a user whose email exists is skipped and reported, never overwritten. The hash is
    upgraded to the current scheme on the user's first login."""

    ROUTING_KEY: ClassVar[str] = "user.import"
    CARRIES_SECRET: ClassVar[bool] = True
    users: list[ImportedUser] = Field(min_length=1, max_length=MAX_IMPORT_BATCH)


# --- OAuth clients (docs/oidc.md, "Registering a client") ---------------------------------

CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # base64url, as domain/oauth.py makes them
ClientId = Annotated[StrictStr, Field(pattern=CLIENT_ID_PATTERN, description="the client's id")]
ClientType = Literal["confidential", "public"]
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
Scope = Literal["openid", "profile", "email", "offline_access", "users:read", "users:write"]
IdTokenAlgorithm = Literal["RS256"]
MAX_CLIENT_URIS = 50


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must not contain control characters")
    return value


ClientName = Annotated[StrictStr, Field(min_length=1, max_length=100), AfterValidator(_printable)]


def _distinct(values: list[Any]) -> list[Any]:
    """Duplicates dropped, the first order kept."""
    return list(dict.fromkeys(values))


RedirectUri = Annotated[StrictStr, Field(min_length=1, max_length=MAX_REDIRECT_URI_LENGTH)]
RedirectUris = Annotated[
    list[RedirectUri],
    Field(
        max_length=MAX_CLIENT_URIS,
        description="absolute URIs, matched exactly; https outside development, except loopback "
        "http://127.0.0.1 and http://[::1] (any port, RFC 8252); no fragment, no user name, no wildcard",
    ),
    AfterValidator(_distinct),
]
GrantTypes = Annotated[list[GrantType], Field(min_length=1, max_length=len(GRANT_TYPES)), AfterValidator(_distinct)]
Scopes = Annotated[list[Scope], Field(max_length=len(SCOPES)), AfterValidator(_distinct)]


class OAuthClientCreateBody(Command):
    """A client's registration; what a client may do is checked as a whole by
    `domain.oauth_clients.registration_problems` (it needs the environment)."""

    name: ClientName
    type: ClientType
    first_party: StrictBool = Field(False, description="true: no consent page")
    redirect_uris: RedirectUris = Field(
        default_factory=list, description="required (non-empty) with the authorization_code grant"
    )
    post_logout_redirect_uris: RedirectUris = Field(default_factory=list)
    grant_types: GrantTypes = Field(default_factory=lambda: cast(list[GrantType], list(DEFAULT_GRANT_TYPES)))
    scopes: Scopes = Field(default_factory=lambda: cast(list[Scope], list(DEFAULT_CLIENT_SCOPES)))
    id_token_signed_response_alg: IdTokenAlgorithm = "RS256"  # noqa: S105 - an algorithm name


OAUTH_CLIENT_FIELDS = tuple(OAuthClientCreateBody.model_fields)


class OAuthClientPatchBody(Command):
    """Any of the registration's fields; none may be null."""

    name: ClientName | None = None
    type: ClientType | None = None
    first_party: StrictBool | None = None
    redirect_uris: RedirectUris | None = None
    post_logout_redirect_uris: RedirectUris | None = None
    grant_types: GrantTypes | None = None
    scopes: Scopes | None = None
    id_token_signed_response_alg: IdTokenAlgorithm | None = None

    # Only a value given is validated: a null one is refused under its field's name.
    @field_validator(*OAUTH_CLIENT_FIELDS)
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set & set(OAuthClientPatchBody.model_fields))


class CreateOAuthClient(OAuthClientCreateBody):
    """Register a client (admin or service). A confidential client's reply holds its
    `client_secret`, this once; only a keyed digest of it is stored."""

    ROUTING_KEY: ClassVar[str] = "oauth_client.create"


class ListOAuthClients(PagedQuery):
    """A page of the live clients, newest first (admin or service)."""

    ROUTING_KEY: ClassVar[str] = "oauth_client.list"


class GetOAuthClient(Command):
    """One live client, without its secret (admin or service)."""

    ROUTING_KEY: ClassVar[str] = "oauth_client.get"
    client_id: ClientId


class UpdateOAuthClient(OAuthClientPatchBody):
    """Change some fields of a client (admin or service). A public client made confidential
    gets a secret, in this reply only; a confidential one made public loses its secret."""

    ROUTING_KEY: ClassVar[str] = "oauth_client.update"
    client_id: ClientId


class RotateOAuthClientSecret(Command):
    """A new secret for a confidential client, in the reply only; the old one stops working."""

    ROUTING_KEY: ClassVar[str] = "oauth_client.rotate_secret"
    client_id: ClientId


class DeleteOAuthClient(Command):
    """Delete a client (admin or service): its grants' sessions are revoked and its consents
    withdrawn in the same transaction, so its tokens stop working at once."""

    ROUTING_KEY: ClassVar[str] = "oauth_client.delete"
    client_id: ClientId
