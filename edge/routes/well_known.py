"""/.well-known: the public keys access and ID tokens are signed with, and where to find them.

Served from the edge process's memory (edge/key_set.py): no bus, no Redis on these paths.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, HTTPResponse, Request, json, raw

from usersvc.edge.openapi import operation

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
    issuer: str
    jwks_uri: str
    token_endpoint: str
    id_token_signing_alg_values_supported: list[str]
    response_types_supported: list[str]
    subject_types_supported: list[str]
    claims_supported: list[str]


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
    operation_id="keys.discovery",
    summary="Where the keys are, and how tokens are signed",
    response=OpenIdConfiguration,
    **PUBLIC,
)
async def openid_configuration(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    base = settings.public_url.rstrip("/")
    return json(
        {
            "issuer": settings.token_issuer,
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "token_endpoint": f"{base}/v1/auth/login",
            "id_token_signing_alg_values_supported": request.app.ctx.key_set.algorithms() or [settings.jwt_algorithm],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "claims_supported": ["iss", "aud", "sub", "sid", "role", "exp", "iat", "jti", "type"],
        },
        headers=CACHEABLE,
    )
