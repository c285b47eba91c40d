"""Commands of the OpenID Connect provider (docs/oidc.md). The edge serves the endpoints and
pages; each state change is one of these, executed by a worker in one transaction.

Codes and cookie tokens are made at the edge and only their SHA-256 travels; client secrets
and tokens presented to the token, revocation and introspection endpoints travel as
passwords do at login (CARRIES_SECRET: never dead-lettered).
"""

from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field, StrictBool, StrictStr

from usersvc.domain.commands import Command

Digest = StrictStr  # sha256 hex of a value made at the edge
Text = StrictStr


class AuthorizationRequest(Command):
    """The parameters of an authorization request as the client sent them (raw strings), so
    every step of the pages checks them again, in one place."""

    client_id: Text = Field(max_length=200)
    redirect_uri: Text | None = Field(None, max_length=2000)
    response_type: Text | None = Field(None, max_length=100)
    scope: Text | None = Field(None, max_length=1000)
    state: Text | None = Field(None, max_length=2000)
    nonce: Text | None = Field(None, max_length=2000)
    code_challenge: Text | None = Field(None, max_length=200)
    code_challenge_method: Text | None = Field(None, max_length=20)
    prompt: Text | None = Field(None, max_length=100)
    max_age: Text | None = Field(None, max_length=20)
    login_hint: Text | None = Field(None, max_length=254)
    response_mode: Text | None = Field(None, max_length=50)
    request: Text | None = Field(None, max_length=8000, description="refused: request objects are not supported")
    request_uri: Text | None = Field(None, max_length=2000, description="refused: request_uri is not supported")


class Authorize(Command):
    """One step of an authorization request: check it, then issue a code (its digest made at
    the edge), or say what is missing (sign-in, consent) or which error to answer."""

    ROUTING_KEY: ClassVar[str] = "oauth.authorize"
    CARRIES_SECRET: ClassVar[bool] = True
    request: AuthorizationRequest
    browser_session_digest: Digest | None = Field(None, max_length=64, description="sha256 of the provider cookie")
    code_digest: Digest = Field(min_length=64, max_length=64)
    signed_in_now: StrictBool = Field(False, description="the user has just signed in: prompt=login is satisfied")
    consent: Literal["allow", "deny"] | None = None


class TokenRequest(Command):
    """A token endpoint request (RFC 6749 §3.2): the grant's parameters and the client's
    credentials as presented."""

    ROUTING_KEY: ClassVar[str] = "oauth.token"
    CARRIES_SECRET: ClassVar[bool] = True
    grant_type: Text | None = Field(None, max_length=100)
    client_id: Text | None = Field(None, max_length=200)
    client_secret: Text | None = Field(None, max_length=500, repr=False)
    auth_method: Literal["client_secret_basic", "client_secret_post", "none"]
    code: Text | None = Field(None, max_length=500, repr=False)
    redirect_uri: Text | None = Field(None, max_length=2000)
    code_verifier: Text | None = Field(None, max_length=500, repr=False)
    refresh_token: Text | None = Field(None, max_length=500, repr=False)
    scope: Text | None = Field(None, max_length=1000)


class RevokeToken(Command):
    """RFC 7009: a refresh token (by digest) or an access token's session, named by a client."""

    ROUTING_KEY: ClassVar[str] = "oauth.revoke"
    CARRIES_SECRET: ClassVar[bool] = True
    client_id: Text | None = Field(None, max_length=200)
    client_secret: Text | None = Field(None, max_length=500, repr=False)
    refresh_token_digest: Digest | None = Field(None, max_length=64)
    access_session_id: UUID | None = Field(None, description="the sid of a verified access token")
    access_client_id: Text | None = Field(None, max_length=200, description="its client_id claim")


class IntrospectToken(Command):
    """RFC 7662: whether a token is live. An access token comes verified by the edge (its
    claims); a refresh token by digest."""

    ROUTING_KEY: ClassVar[str] = "oauth.introspect"
    CARRIES_SECRET: ClassVar[bool] = True
    client_id: Text | None = Field(None, max_length=200)
    client_secret: Text | None = Field(None, max_length=500, repr=False)
    access_claims: dict[str, Any] | None = None
    refresh_token_digest: Digest | None = Field(None, max_length=64)


class EndSession(Command):
    """RP-initiated logout: end a provider session and every grant made in it."""

    ROUTING_KEY: ClassVar[str] = "oauth.end_session"
    browser_session_digest: Digest | None = Field(None, max_length=64)
    hinted_session_id: UUID | None = Field(None, description="sid of a verified id_token_hint")
    hinted_user_id: UUID | None = None
    client_id: Text | None = Field(None, max_length=200, description="the hint's aud, or the client_id parameter")
    post_logout_redirect_uri: Text | None = Field(None, max_length=2000)


class ListConsents(Command):
    ROUTING_KEY: ClassVar[str] = "oauth.consents.list"
    user_id: UUID


class WithdrawConsent(Command):
    """Forget a consent; the client's grants of that user end with it."""

    ROUTING_KEY: ClassVar[str] = "oauth.consents.withdraw"
    user_id: UUID
    client_id: Text = Field(max_length=200)
