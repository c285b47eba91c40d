"""Talking to another provider (identity brokering, docs/identity-providers.md): OpenID
Connect discovery, the token request, the ID token's checks and the user-info request.

Workers make these requests, not the edge: the client secret is opened only here, and the
answer decides a database change in the same command (docs/decisions.md). Each request has
a short timeout; discovery documents and key sets are kept for a few minutes per process.
"""

import asyncio
import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import jwt

from usersvc.domain.errors import DomainError, ErrorCode

TIMEOUT_SECONDS = 5.0
KEEP_SECONDS = 300.0
MAX_BODY = 1_000_000
# Asymmetric only: an HS256 token would be "signed" with the client secret, and `none` with nothing.
ID_TOKEN_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"})
LEEWAY_SECONDS = 60


class UpstreamError(DomainError):
    """The provider answered nothing usable, or something that fails a check. The message
    is safe to show; what the provider said in detail goes to the log only."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.FORBIDDEN, message)


@dataclass(frozen=True)
class Endpoints:
    issuer: str | None
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None
    jwks_uri: str | None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


def _request(url: str, *, data: dict | None = None, headers: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(  # noqa: S310  # http(s) only: the admin's URLs are checked
        url, data=body, headers={"Accept": "application/json", "User-Agent": "usersvc", **(headers or {})}
    )
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise UpstreamError("The provider's address is not an http(s) URL")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as error:
        raw = error.read(MAX_BODY + 1)
        try:
            return {"__status__": error.code, **json.loads(raw)}
        except (ValueError, TypeError):
            raise UpstreamError(f"The provider answered {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise UpstreamError("The provider could not be reached") from None
    if len(raw) > MAX_BODY:
        raise UpstreamError("The provider's answer is too large")
    try:
        value = json.loads(raw)
    except ValueError:
        raise UpstreamError("The provider's answer is not JSON") from None
    if not isinstance(value, dict):
        raise UpstreamError("The provider's answer is not a JSON object")
    return value


@dataclass
class ProviderClient:
    """One per worker process (WorkerDeps.upstream)."""

    _kept: dict[str, tuple[float, Any]] = field(default_factory=dict)

    async def _json(self, url: str, **kwargs: Any) -> dict:
        return await asyncio.to_thread(_request, url, **kwargs)

    async def _kept_json(self, url: str, *, fresh: bool = False) -> dict:
        kept = self._kept.get(url)
        if kept and not fresh and kept[0] > time.monotonic():
            return kept[1]
        value = await self._json(url)
        if "__status__" in value:
            raise UpstreamError(f"The provider answered {value['__status__']} for {url}")
        self._kept[url] = (time.monotonic() + KEEP_SECONDS, value)
        return value

    async def endpoints(self, provider: Any) -> Endpoints:
        if provider.kind == "oauth2":
            return Endpoints(
                issuer=None,
                authorization_endpoint=provider.authorization_endpoint,
                token_endpoint=provider.token_endpoint,
                userinfo_endpoint=provider.userinfo_endpoint,
                jwks_uri=None,
            )
        issuer = provider.issuer.rstrip("/")
        document = await self._kept_json(f"{issuer}/.well-known/openid-configuration")
        # OpenID Connect Discovery §4.3: the document names the issuer it was fetched for.
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise UpstreamError("The provider's discovery document names another issuer")
        try:
            return Endpoints(
                issuer=str(document["issuer"]),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                userinfo_endpoint=document.get("userinfo_endpoint"),
                jwks_uri=str(document["jwks_uri"]),
            )
        except KeyError:
            raise UpstreamError("The provider's discovery document lacks an endpoint") from None

    async def redeem_code(
        self, provider: Any, endpoints: Endpoints, *, code: str, verifier: str, secret: str, redirect_uri: str
    ) -> dict:
        """RFC 6749 §4.1.3 with PKCE; the client authenticates with HTTP Basic (RFC 6749 §2.3.1)."""
        credentials = ":".join(urllib.parse.quote(part, safe="") for part in (provider.client_id, secret))
        answer = await self._json(
            endpoints.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": provider.client_id,
            },
            headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()},
        )
        if "__status__" in answer or "error" in answer or not isinstance(answer.get("access_token"), str):
            raise UpstreamError("The provider refused the sign-in (the code could not be redeemed)")
        return answer

    async def _signing_key(self, jwks_uri: str, kid: str | None, alg: str) -> jwt.PyJWK:
        for fresh in (False, True):  # a key rotated at the provider: fetch the set once more
            document = await self._kept_json(jwks_uri, fresh=fresh)
            try:
                keys = jwt.PyJWKSet.from_dict(document).keys
            except jwt.PyJWTError:
                raise UpstreamError("The provider's key set cannot be read") from None
            for key in keys:
                # A key that names its algorithm must name the token's (alg from the JWKS).
                usable = key.public_key_use in (None, "sig") and key.algorithm_name == alg
                if usable and (kid is None or key.key_id == kid):
                    return key
        raise UpstreamError("The ID token is signed by a key the provider does not publish")

    async def id_token_claims(self, provider: Any, endpoints: Endpoints, id_token: str, *, nonce: str) -> dict:
        """Every check of OpenID Connect Core §3.1.3.7: signature by a published key with an
        asymmetric algorithm, iss, aud (and azp), exp, iat, and the nonce of this sign-in."""
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise UpstreamError("The ID token cannot be read") from None
        alg = header.get("alg")
        if alg not in ID_TOKEN_ALGORITHMS or endpoints.jwks_uri is None:
            raise UpstreamError("The ID token's algorithm is not accepted")
        key = await self._signing_key(endpoints.jwks_uri, header.get("kid"), alg)
        try:
            claims = jwt.decode(
                id_token,
                key,
                algorithms=[alg],
                audience=provider.client_id,
                issuer=endpoints.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidAudienceError:
            raise UpstreamError("The ID token was issued to another application") from None
        except jwt.InvalidIssuerError:
            raise UpstreamError("The ID token was issued by another provider") from None
        except jwt.ExpiredSignatureError:
            raise UpstreamError("The ID token has expired") from None
        except jwt.PyJWTError:
            raise UpstreamError("The ID token is not valid") from None
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
            raise UpstreamError("The ID token was issued to another application")
        if claims.get("nonce") != nonce:
            raise UpstreamError("The ID token does not belong to this sign-in (nonce)")
        return claims

    async def user_info(self, url: str, access_token: str) -> dict:
        answer = await self._json(url, headers={"Authorization": f"Bearer {access_token}"})
        if "__status__" in answer:
            raise UpstreamError("The provider refused the user-info request")
        return answer
