"""What workers answer: the user resource, pages, and the `{ok, data|error}` envelope."""

import hashlib
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_serializer

from usersvc.domain.errors import DomainError, ErrorCode, FieldError
from usersvc.domain.rbac import Role


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class UserView(BaseModel):
    """The public user resource: never a password, hash or deleted_at."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    username: str
    email: str
    first_name: str
    last_name: str
    phone: str | None
    role: Role
    is_active: bool
    email_verified: bool
    mfa_enabled: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @field_serializer("last_login_at", "created_at", "updated_at")
    def _utc(self, moment: datetime | None) -> str | None:
        return iso_utc(moment)


def etag_of(user: dict[str, Any]) -> str:
    """Strong ETag: changes whenever updated_at does, i.e. on every modification."""
    digest = hashlib.sha256(f"{user['id']}|{user['updated_at']}".encode()).hexdigest()[:20]
    return f'"{digest}"'


class Pagination(BaseModel):
    current_page: int
    page_size: int
    total_items: int
    total_pages: int


def page_of(items: list[Any], *, page: int, page_size: int, total_items: int) -> dict[str, Any]:
    """A list reply: `{"data": [...], "pagination": {...}}` as docs/api.md shows it."""
    pagination = Pagination(
        current_page=page,
        page_size=page_size,
        total_items=total_items,
        total_pages=(total_items + page_size - 1) // page_size,
    )
    return {"data": items, "pagination": pagination.model_dump()}


class ErrorBody(BaseModel):
    code: ErrorCode
    message: str
    details: list[FieldError] = []


class Reply(BaseModel):
    """The envelope every command is answered with."""

    ok: bool
    data: Any = None
    error: ErrorBody | None = None

    @classmethod
    def success(cls, data: Any) -> "Reply":
        return cls(ok=True, data=data)

    @classmethod
    def failure(cls, error: DomainError) -> "Reply":
        return cls(ok=False, error=ErrorBody(code=error.code, message=error.message, details=error.details))

    def to_json_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True, "data": self.data}
        if self.error is None:
            raise ValueError("a failure reply needs its error")
        return {"ok": False, "error": self.error.model_dump(mode="json")}


# --- Reply payloads as they are documented (the OpenAPI and AsyncAPI schemas) ---------------


class UserPage(BaseModel):
    """A page of users, in the requested order; ties broken by id."""

    data: list[UserView]
    pagination: Pagination


class SessionView(BaseModel):
    id: UUID
    created_at: str = Field(description="UTC, ISO 8601")
    last_used_at: str | None = Field(description="UTC, ISO 8601: the last login or refresh")
    ip_address: str | None
    user_agent: str | None
    current: bool = Field(description="The session of the token that asked")


class SessionList(BaseModel):
    data: list[SessionView]


class AuditActor(BaseModel):
    type: str = Field(description="user or service")
    id: str = Field(description="A user id, or a service's broker user (or bootstrap)")


class AuditEntry(BaseModel):
    id: int
    actor: AuditActor
    action: str = Field(examples=["user.update"])
    entity_type: str = Field(examples=["user", "session"])
    entity_id: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    ip_address: str | None
    user_agent: str | None
    request_id: str | None
    command_id: str | None
    created_at: str = Field(description="UTC, ISO 8601")


class AuditPage(BaseModel):
    data: list[AuditEntry]
    pagination: Pagination


class TokenPair(BaseModel):
    access_token: str = Field(description="A JWT for `Authorization: Bearer`")
    refresh_token: str = Field(description="Opaque, single use: spend it at /v1/auth/refresh")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until the access token expires")


class LoginResult(TokenPair):
    user: UserView


class MfaRequired(BaseModel):
    """A right password with MFA on: no tokens yet, a second step at /v1/auth/mfa/verify."""

    mfa_required: Literal[True]
    mfa_token: str = Field(description="Single use: spend it at /v1/auth/mfa/verify with a code")
    expires_in: int = Field(description="Seconds the mfa_token lives (300)")


class LoginOutcome(RootModel[LoginResult | MfaRequired]):
    """The login answer: the tokens, or with MFA on an mfa_token for the second step."""


class RegistrationAccepted(BaseModel):
    """The answer to a registration, the same whether or not the address had an account."""

    status: Literal["verification_sent"]


class TotpEnrolment(BaseModel):
    secret: str = Field(description="Base32, for authenticator apps; shown only in this answer")
    otpauth_uri: str = Field(description="otpauth://totp/usersvc:<email>?secret=…&issuer=usersvc, for a QR code")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(
        min_length=10, max_length=10, description="Ten single-use codes (xxxxx-xxxxx), shown only in this answer"
    )


class OAuthClientView(BaseModel):
    """A registered client (docs/oidc.md): never its secret or the secret's digest."""

    model_config = ConfigDict(from_attributes=True)
    client_id: str
    name: str
    type: Literal["confidential", "public"]
    first_party: bool = Field(description="true: its users see no consent page")
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    grant_types: list[str]
    scopes: list[str]
    id_token_signed_response_alg: str
    created_at: datetime
    updated_at: datetime

    @field_serializer("created_at", "updated_at")
    def _utc(self, moment: datetime) -> str | None:
        return iso_utc(moment)


class OAuthClientWithSecret(OAuthClientView):
    """A client as registered: a confidential client's secret is in this answer only."""

    client_secret: str | None = Field(
        None, description="Confidential clients only; shown this once, stored as a keyed digest"
    )


class OAuthClientPage(BaseModel):
    """A page of clients, newest first."""

    data: list[OAuthClientView]
    pagination: Pagination


class OAuthClientSecret(BaseModel):
    client_secret: str = Field(description="The client's new secret, shown this once; the old one stops working")


class PasskeyView(BaseModel):
    """A passkey of yours (its public key and credential id stay inside)."""

    id: str
    name: str
    created_at: str
    last_used_at: str | None
    backed_up: bool = Field(description="synced to a provider's cloud at its last use (BS)")
    backup_eligible: bool = Field(description="a synced, multi-device passkey (BE)")
    aaguid: str = Field(description="the authenticator model's id (zeros when it did not say)")
    authenticator: str | None = Field(description="the authenticator model, when its AAGUID is a well-known one")


class PasskeyList(BaseModel):
    data: list[PasskeyView]


class PasskeyCeremonyOptions(BaseModel):
    """PublicKeyCredentialCreationOptions or PublicKeyCredentialRequestOptions as JSON (WebAuthn
    Level 3's JSON forms): binary fields base64url, for navigator.credentials.create/get."""

    model_config = ConfigDict(extra="allow")
    challenge: str = Field(description="base64url; single use, five minutes")
    timeout: int | None = None
