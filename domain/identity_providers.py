"""Sign in with another provider (identity brokering, docs/identity-providers.md): the
providers an admin configures, the sign-in flow's commands and the linked identities.

A linked identity is a provider and the subject it names, never an email address. The
edge makes every random value that reaches a browser (the `state`, the login code, the
browser binding cookie) and sends only its SHA-256; the worker makes the nonce and the PKCE
verifier, which never leave usersvc but in the requests to the provider.
"""

import re
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, StrictBool, StrictStr, model_validator

from usersvc.domain.commands import Command
from usersvc.domain.replies import LoginResult, MfaRequired

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
KINDS = ("oidc", "oauth2")
LOGIN_CODE_SECONDS = 60
STATE_SECONDS = 600
DEFAULT_SCOPES = {"oidc": ("openid", "email", "profile"), "oauth2": ("read:user", "user:email")}
Digest = Annotated[StrictStr, Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")]
ClaimName = Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]
SCOPE_PATTERN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")  # RFC 6749 §3.3 scope-token
# RFC 8176 methods in a provider's `amr` that count as a second factor (beyond a password):
# "mfa" itself, something held (otp, hwk, swk, sms, tel, sc) or something one is (face, fpt,
# iris, retina, vbm). Not: what one knows (pwd, pin, kba), nor context (geo, rba, wia, mca,
# user), nor the unspecific "pop". Believed only from a provider that trusts_amr_second_factor.
SECOND_FACTOR_AMR = frozenset({"mfa", "otp", "hwk", "swk", "sms", "tel", "sc", "face", "fpt", "iris", "retina", "vbm"})
AMR_KEPT = 20  # at most this many of a provider's amr values are kept, each at most 32 characters
EXTERNAL_MFA_AMR = ("ext", "mfa")  # a session opened on a trusted provider's second factor


def provider_amr(value: object) -> list[str]:
    """The `amr` claim of a verified ID token as kept with the sign-in: strings only, bounded;
    anything else (absent, not a list) is no methods at all."""
    if not isinstance(value, list):
        return []
    return [method for method in value if isinstance(method, str) and 0 < len(method) <= 32][:AMR_KEPT]


def asserts_second_factor(amr: object) -> bool:
    return any(method in SECOND_FACTOR_AMR for method in provider_amr(amr))


def _https_url(value: str) -> str:
    """An absolute http(s) URL (http only for loopback and tests: the edge's settings decide
    nothing here, the admin does)."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
        raise ValueError("must be an absolute http(s) URL without a fragment")
    return value.rstrip("/") if parts.path in ("", "/") else value


Url = Annotated[StrictStr, Field(max_length=2000), AfterValidator(_https_url)]


def _scopes(values: list[str]) -> list[str]:
    for scope in values:
        if not SCOPE_PATTERN.match(scope):
            raise ValueError(f"not a scope token: {scope[:40]!r}")
    return list(dict.fromkeys(values))


Scopes = Annotated[list[StrictStr], Field(max_length=30), AfterValidator(_scopes)]


class ClaimMapping(BaseModel):
    """Which claim of the ID token or user-info answer holds what (dotted names reach into
    objects). GitHub: subject `id`, username `login`, first_name `name`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    subject: ClaimName = "sub"
    email: ClaimName | None = "email"
    email_verified: ClaimName | None = "email_verified"
    username: ClaimName | None = "preferred_username"
    first_name: ClaimName | None = "given_name"
    last_name: ClaimName | None = "family_name"


TRUSTS_AMR = (
    "oidc only: an account with MFA on skips usersvc's second-factor step when the ID token's `amr` names a"
    " second factor (mfa, otp, hwk, swk, sms, tel, sc, face, fpt, iris, retina, vbm); default false: the step"
    " is always asked"
)


class IdentityProviderFields(Command):
    """What PATCH may change (all optional)."""

    name: StrictStr | None = Field(None, min_length=1, max_length=100)
    issuer: Url | None = Field(None, description="oidc: discovery at <issuer>/.well-known/openid-configuration")
    authorization_endpoint: Url | None = None
    token_endpoint: Url | None = None
    userinfo_endpoint: Url | None = None
    client_id: StrictStr | None = Field(None, min_length=1, max_length=500)
    client_secret: StrictStr | None = Field(
        None, min_length=1, max_length=2000, repr=False, description="stored sealed; never answered"
    )
    scopes: Scopes | None = None
    claims: ClaimMapping | None = None
    creates_accounts: StrictBool | None = None
    trusts_email_verified: StrictBool | None = None
    trusts_amr_second_factor: StrictBool | None = Field(None, description=TRUSTS_AMR)
    enabled: StrictBool | None = Field(None, description="a disabled provider is not offered and signs no one in")


class IdentityProviderBody(IdentityProviderFields):
    """POST /v1/identity-providers."""

    slug: StrictStr = Field(pattern=SLUG_PATTERN, description="in URLs: a-z, 0-9 and -, 1-40")
    name: StrictStr = Field(min_length=1, max_length=100)
    kind: Literal["oidc", "oauth2"]
    client_id: StrictStr = Field(min_length=1, max_length=500)
    client_secret: StrictStr = Field(min_length=1, max_length=2000, repr=False, description="stored sealed")
    scopes: Scopes | None = None
    claims: ClaimMapping | None = None
    creates_accounts: StrictBool = False
    trusts_email_verified: StrictBool = False
    trusts_amr_second_factor: StrictBool = Field(False, description=TRUSTS_AMR)
    enabled: StrictBool = True

    @model_validator(mode="after")
    def _endpoints(self) -> "IdentityProviderBody":
        if self.kind == "oidc" and not self.issuer:
            raise ValueError("an oidc provider needs issuer")
        if self.kind == "oauth2" and self.trusts_amr_second_factor:
            raise ValueError("trusts_amr_second_factor: an oauth2 provider sends no ID token, so no amr")
        if self.kind == "oauth2" and not (
            self.authorization_endpoint and self.token_endpoint and self.userinfo_endpoint
        ):
            raise ValueError("an oauth2 provider needs authorization_endpoint, token_endpoint and userinfo_endpoint")
        return self


class CreateIdentityProvider(IdentityProviderBody):
    ROUTING_KEY: ClassVar[str] = "identity_provider.create"
    CARRIES_SECRET: ClassVar[bool] = True


class UpdateIdentityProvider(IdentityProviderFields):
    ROUTING_KEY: ClassVar[str] = "identity_provider.update"
    CARRIES_SECRET: ClassVar[bool] = True
    slug: StrictStr = Field(max_length=100)


class GetIdentityProvider(Command):
    ROUTING_KEY: ClassVar[str] = "identity_provider.get"
    slug: StrictStr = Field(max_length=100)


class ListIdentityProviders(Command):
    """Admins: every provider with its settings (never the secret). Anyone else (the edge
    as itself): the enabled ones' slug and name, for the sign-in pages."""

    ROUTING_KEY: ClassVar[str] = "identity_provider.list"
    public: StrictBool = False


class DeleteIdentityProvider(Command):
    """Remove a provider and the identities linked through it."""

    ROUTING_KEY: ClassVar[str] = "identity_provider.delete"
    slug: StrictStr = Field(max_length=100)


class StartProviderSignIn(Command):
    """Begin a sign-in: remember the state (its digest), a nonce and a PKCE verifier for ten
    minutes, bound to the browser's cookie, and answer the provider's authorization URL."""

    ROUTING_KEY: ClassVar[str] = "identity.start"
    slug: StrictStr = Field(max_length=100)
    return_to: StrictStr = Field(max_length=2000)
    state: StrictStr = Field(min_length=32, max_length=100, repr=False, description="goes to the provider")
    browser_binding_digest: Digest


class CompleteProviderSignIn(Command):
    """The provider's callback: spend the state, redeem the code at the provider, check what
    it says (the ID token's signature, iss, aud, exp, nonce), and issue a login code (its
    digest) for the identity it proved."""

    ROUTING_KEY: ClassVar[str] = "identity.callback"
    CARRIES_SECRET: ClassVar[bool] = True
    slug: StrictStr = Field(max_length=100)
    state_digest: Digest
    browser_binding_digest: Digest | None = None
    code: StrictStr | None = Field(None, max_length=4000, repr=False)
    error: StrictStr | None = Field(None, max_length=200)
    login_code_digest: Digest


class LoginCodeBody(Command):
    login_code: StrictStr = Field(min_length=1, max_length=200, repr=False, description="from the callback's redirect")


class ExchangeLoginCode(Command):
    """Spend a login code: the login body (tokens, user) or mfa_required. The account is made
    here when the identity is new, has no address of an existing account, and the provider
    creates accounts."""

    ROUTING_KEY: ClassVar[str] = "identity.exchange"
    CARRIES_SECRET: ClassVar[bool] = True
    login_code_digest: Digest
    browser_session_digest: Digest | None = Field(
        None, description="the provider's sign-in page: open the browser session of this cookie digest, no tokens"
    )
    browser_binding_digest: Digest | None = Field(
        None, description="with browser_session_digest: the code must have been issued to this browser"
    )


class LinkIdentityBody(Command):
    login_code: StrictStr = Field(min_length=1, max_length=200, repr=False)
    password: StrictStr | None = Field(
        None,
        min_length=1,
        max_length=1024,
        repr=False,
        description="the password of the account with the provider's (verified) address; or send the account's bearer",
    )


class LinkIdentity(Command):
    """Link the identity of a login code to an account proven by its password (the account
    with the provider's verified, trusted address), or to the bearer's account. With a
    password the answer is the login body."""

    ROUTING_KEY: ClassVar[str] = "identity.link"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True
    login_code_digest: Digest
    password: StrictStr | None = Field(None, min_length=1, max_length=1024, repr=False)
    user_id: UUID | None = Field(None, description="the bearer's account")
    browser_binding_digest: Digest | None = Field(
        None, description="with user_id: the browser's cookie digest; the sign-in must have started there"
    )


class ListIdentities(Command):
    ROUTING_KEY: ClassVar[str] = "identity.list"
    user_id: UUID


class UnlinkIdentity(Command):
    """Remove a linked identity; never the account's last way to sign in."""

    ROUTING_KEY: ClassVar[str] = "identity.unlink"
    user_id: UUID
    identity_id: UUID


# --- replies --------------------------------------------------------------------------


class IdentityProviderView(BaseModel):
    slug: str
    name: str
    kind: Literal["oidc", "oauth2"]
    issuer: str | None
    authorization_endpoint: str | None
    token_endpoint: str | None
    userinfo_endpoint: str | None
    client_id: str
    scopes: list[str]
    claims: ClaimMapping
    creates_accounts: bool
    trusts_email_verified: bool
    trusts_amr_second_factor: bool
    enabled: bool
    callback_url: str = Field(description="register this redirect URI at the provider")
    created_at: str
    updated_at: str


class IdentityProviderList(BaseModel):
    data: list[IdentityProviderView]


class SignInProvider(BaseModel):
    slug: str
    name: str
    start_url: str = Field(description="add ?return_to=<URL on this service, or a registered client redirect URI>")


class SignInProviderList(BaseModel):
    data: list[SignInProvider]


class LinkedIdentity(BaseModel):
    id: str
    provider: str = Field(description="the provider's slug")
    subject: str
    email: str | None
    linked_at: str


class LinkedIdentityList(BaseModel):
    data: list[LinkedIdentity]


class LinkOutcome(RootModel[LoginResult | MfaRequired | LinkedIdentity]):
    """Linked with a password: the login answer; with a bearer: the identity."""
