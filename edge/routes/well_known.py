"""/.well-known: the public keys access and ID tokens are signed with, and the provider's
discovery document.

Served from the edge process's memory (edge/key_set.py): no bus, no Redis on these paths.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request, json, raw

from usersvc.domain.oauth import CLAIMS_SUPPORTED, GRANT_TYPES, ID_TOKEN_ALGORITHMS, SCOPES
from usersvc.edge.openapi import operation
from usersvc.settings import Settings

well_known = Blueprint("well_known", url_prefix="/.well-known")

# Long enough to spare us, short enough that a revoked key leaves other services' HTTP
# caches within a minute (the edge itself refuses it at once).
MAX_AGE_SECONDS = 60
CACHEABLE = {"Cache-Control": f"public, max-age={MAX_AGE_SECONDS}"}
PUBLIC = {
    "tag": "keys",
    "secured": False,
    "rate_limited": False,
    "uses_bus": False,
    "response_headers": ("Cache-Control",),
}


class Jwk(BaseModel):
    """A public key (RFC 7517); `kid` is its RFC 7638 thumbprint. EdDSA or ES256 keys sign
    access tokens, the RS256 key signs ID tokens."""

    model_config = ConfigDict(extra="allow")
    kty: Literal["OKP", "EC", "RSA"]
    kid: str
    alg: Literal["EdDSA", "ES256", "RS256"]
    use: Literal["sig"]
    crv: Literal["Ed25519", "P-256"] | None = Field(None, description="OKP and EC keys only")
    x: str | None = Field(None, description="OKP and EC keys only")
    y: str | None = Field(None, description="EC keys only")
    n: str | None = Field(None, description="RSA keys only: the modulus")
    e: str | None = Field(None, description="RSA keys only: the public exponent")


class JwkSet(BaseModel):
    keys: list[Jwk] = Field(
        description="the signing keys first (access tokens, then ID tokens), then retired keys whose tokens may "
        "still be live"
    )


class OpenIdConfiguration(BaseModel):
    """OpenID Connect Discovery 1.0 / RFC 8414: everything a relying party needs to find."""

    model_config = ConfigDict(extra="allow")
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    introspection_endpoint: str
    end_session_endpoint: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    grant_types_supported: list[str]
    code_challenge_methods_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    subject_types_supported: list[str]
    claims_supported: list[str]
    authorization_response_iss_parameter_supported: bool


def discovery_document(settings: Settings) -> dict:
    base = settings.public_url.rstrip("/")
    client_auth = ["client_secret_basic", "client_secret_post", "none"]
    return {
        "issuer": settings.token_issuer,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "end_session_endpoint": f"{base}/oauth/logout",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": client_auth,
        "revocation_endpoint_auth_methods_supported": client_auth,
        "introspection_endpoint_auth_methods_supported": client_auth[:2],
        "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGORITHMS),
        "userinfo_signing_alg_values_supported": [],
        "subject_types_supported": ["public"],
        "claims_supported": CLAIMS_SUPPORTED,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_request_uri_registration": False,
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
    }


@well_known.get("/jwks.json")
@operation(
    operation_id="keys.jwks",
    summary="The public keys that verify access and ID tokens (JWK set)",
    response=JwkSet,
    **PUBLIC,
)
async def jwks(request: Request) -> HTTPResponse:
    return raw(request.app.ctx.key_set.jwks(), content_type="application/json", headers=CACHEABLE)


@well_known.get("/openid-configuration")
@operation(
    operation_id="oidc.discovery",
    summary="OpenID Connect discovery: the provider's endpoints, keys and abilities",
    response=OpenIdConfiguration,
    **PUBLIC,
)
async def openid_configuration(request: Request) -> HTTPResponse:
    return json(request.app.ctx.discovery, headers=CACHEABLE)


@well_known.get("/oauth-authorization-server")
@operation(
    operation_id="oidc.authorization_server_metadata",
    summary="RFC 8414 metadata: the same document as openid-configuration",
    response=OpenIdConfiguration,
    **PUBLIC,
)
async def authorization_server_metadata(request: Request) -> HTTPResponse:
    return json(request.app.ctx.discovery, headers=CACHEABLE)
