"""/oauth/token, /oauth/revoke, /oauth/introspect and /oauth/userinfo: the OpenID provider's
JSON endpoints (docs/oidc.md). Their errors are RFC 6749's `{"error", "error_description"}`,
not section 1's shape, and every answer carries `Cache-Control: no-store`."""

import base64
import binascii
from collections.abc import Callable
from urllib.parse import unquote

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Blueprint, HTTPResponse, Request, json

from usersvc.domain.commands import Command
from usersvc.domain.errors import ErrorCode
from usersvc.domain.oauth import user_claims
from usersvc.domain.oauth_commands import IntrospectToken, RevokeToken, TokenRequest
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.edge.errors import ApiError
from usersvc.edge.oauth_forms import UnreadableParameters, form_values, present
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit_anonymous, admit_reading, send
from usersvc.edge.user_reads import read_user
from usersvc.tokens import InvalidToken

oauth_tokens = Blueprint("oauth_tokens", url_prefix="/oauth")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
ENDPOINT = {"tag": "oidc", "secured": False, "oauth_errors": True, "response_headers": ("Cache-Control",)}


class TokenForm(BaseModel):
    """RFC 6749 §4.1.3, §6 and §4.4. Client credentials go in HTTP Basic or in the form."""

    model_config = ConfigDict(extra="allow")
    grant_type: str = Field(description="authorization_code, refresh_token or client_credentials")
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    refresh_token: str | None = None
    scope: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class TokenForms(BaseModel):
    """RFC 7009 / RFC 7662: the token to revoke or introspect."""

    model_config = ConfigDict(extra="allow")
    token: str
    token_type_hint: str | None = Field(None, description="access_token or refresh_token")
    client_id: str | None = None
    client_secret: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None


class IntrospectionResponse(BaseModel):
    active: bool
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    exp: int | None = None
    iat: int | None = None
    iss: str | None = None
    token_type: str | None = None


class UserInfoResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    sub: str


def _oauth_error(error: str, description: str, status: int = 400, headers: dict | None = None) -> HTTPResponse:
    return json(
        {"error": error, "error_description": description}, status=status, headers={**NO_STORE, **(headers or {})}
    )


def _refusal(refusal: ApiError) -> HTTPResponse:
    """The edge's own refusals (rate limit, broker down) in OAuth's shape."""
    if refusal.code == ErrorCode.RATE_LIMITED:
        return _oauth_error("slow_down", refusal.message, 429, refusal.headers)
    if refusal.status >= 500:
        return _oauth_error("temporarily_unavailable", refusal.message, refusal.status, refusal.headers)
    return _oauth_error("invalid_request", refusal.message, refusal.status, refusal.headers)


def _client_credentials(request: Request, values: dict[str, str]) -> tuple[str | None, str | None, str]:
    """(client_id, client_secret, method). RFC 6749 §2.3.1: Basic credentials are
    form-urlencoded before base64; a client uses one method only."""
    header = request.headers.get("authorization") or ""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic":
        if "client_secret" in values:
            raise UnreadableParameters("Use one way of client authentication")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise UnreadableParameters("The Basic credentials cannot be read") from None
        client_id, separator, secret = decoded.partition(":")
        if not separator:
            raise UnreadableParameters("The Basic credentials cannot be read")
        form_id = present(values, "client_id")
        if form_id is not None and form_id != unquote(client_id):
            raise UnreadableParameters("client_id differs from the Basic credentials")
        return unquote(client_id), unquote(secret), "client_secret_basic"
    form_secret = present(values, "client_secret")
    return present(values, "client_id"), form_secret, "client_secret_post" if form_secret else "none"


def _answer(reply: dict, *, basic: bool) -> HTTPResponse:
    headers = dict(NO_STORE)
    if reply["status"] == 401 and basic:
        headers["WWW-Authenticate"] = 'Basic realm="usersvc"'
    return json(reply["body"], status=reply["status"], headers=headers)


ClientCommand = Callable[[dict[str, str], str | None, str | None, str], Command]


async def _client_request(request: Request, build: ClientCommand) -> HTTPResponse:
    """One client-authenticated form endpoint: the form read, the client's credentials taken
    from Basic or the form, the command `build` makes of them sent, its answer as the worker
    gave it, and every refusal in OAuth's shape."""
    try:
        await admit_anonymous(request, scope="token", limit=request.app.ctx.settings.read_limit)
        values = form_values(request)
        client_id, secret, method = _client_credentials(request, values)
        command = build(values, client_id, secret, method)
        return _answer(await send(request, command), basic=method == "client_secret_basic")
    except (UnreadableParameters, ValidationError) as problem:
        return _oauth_error("invalid_request", _problem(problem))
    except ApiError as refusal:
        return _refusal(refusal)


@oauth_tokens.post("/token")
@operation(
    operation_id="oidc.token",
    summary="The token endpoint: authorization_code, refresh_token, client_credentials",
    form=TokenForm,
    response=TokenResponse,
    errors=(400, 401),
    **ENDPOINT,
)
async def token(request: Request) -> HTTPResponse:
    def build(values: dict[str, str], client_id: str | None, secret: str | None, method: str) -> Command:
        return TokenRequest(
            grant_type=present(values, "grant_type"),
            client_id=client_id,
            client_secret=secret,
            auth_method=method,
            code=present(values, "code"),
            redirect_uri=present(values, "redirect_uri"),
            code_verifier=present(values, "code_verifier"),
            refresh_token=present(values, "refresh_token"),
            scope=present(values, "scope"),
        )

    return await _client_request(request, build)


def _problem(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        return "A parameter is too long or malformed: " + ", ".join(str(e["loc"][-1]) for e in problem.errors())
    return str(problem)


def _presented(request: Request, values: dict[str, str]) -> tuple[str, dict | None]:
    """The `token` parameter, and its claims when it is a live access token of ours (else it
    may be a refresh token, known only by its digest)."""
    presented = present(values, "token")
    if presented is None:
        raise UnreadableParameters("token is required")
    try:
        return presented, request.app.ctx.gate.tokens.verify(presented)
    except InvalidToken:
        return presented, None


@oauth_tokens.post("/revoke")
@operation(
    operation_id="oidc.revoke",
    summary="Token revocation (RFC 7009): a refresh token ends its grant",
    form=TokenForms,
    status=200,
    errors=(400, 401),
    **ENDPOINT,
)
async def revoke(request: Request) -> HTTPResponse:
    def build(values: dict[str, str], client_id: str | None, secret: str | None, method: str) -> Command:
        presented, claims = _presented(request, values)
        return RevokeToken(
            client_id=client_id,
            client_secret=secret,
            refresh_token_digest=None if claims else opaque_token_digest(presented),
            access_session_id=claims.get("sid") if claims else None,
            access_client_id=claims.get("client_id") if claims else None,
        )

    return await _client_request(request, build)


@oauth_tokens.post("/introspect")
@operation(
    operation_id="oidc.introspect",
    summary="Token introspection (RFC 7662), for confidential clients",
    form=TokenForms,
    response=IntrospectionResponse,
    errors=(400, 401),
    **ENDPOINT,
)
async def introspect(request: Request) -> HTTPResponse:
    def build(values: dict[str, str], client_id: str | None, secret: str | None, method: str) -> Command:
        presented, claims = _presented(request, values)
        return IntrospectToken(
            client_id=client_id,
            client_secret=secret,
            access_claims=claims,
            refresh_token_digest=None if claims else opaque_token_digest(presented),
        )

    return await _client_request(request, build)


@oauth_tokens.route("/userinfo", methods=["GET", "POST"])
@operation(
    operation_id="oidc.userinfo",
    summary="The signed-in user's claims, by the token's scopes",
    response=UserInfoResponse,
    errors=(401, 403),
    **{**ENDPOINT, "secured": True},
)
async def userinfo(request: Request) -> HTTPResponse:
    """RFC 6750 §3: a bad token answers 401 with `WWW-Authenticate: Bearer error="invalid_token"`."""
    ctx = request.app.ctx
    try:
        caller, (cached,) = await admit_reading(
            request, cache_keys=(ctx.keys.user(ctx.gate.peek_subject(request)),), client_scope="openid"
        )
        user_response = await read_user(request, caller.user_id, caller=caller, cached=cached)
    except ApiError as refusal:
        if refusal.status == 401:
            challenge = 'Bearer error="invalid_token"' if refusal.code != ErrorCode.UNAUTHENTICATED else "Bearer"
            return _oauth_error("invalid_token", refusal.message, 401, {"WWW-Authenticate": challenge})
        if refusal.code == ErrorCode.INSUFFICIENT_SCOPE:
            headers = {"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="openid"'}
            return _oauth_error("insufficient_scope", refusal.message, 403, headers)
        if refusal.code == ErrorCode.USER_NOT_FOUND:
            challenge = 'Bearer error="invalid_token"'
            return _oauth_error("invalid_token", "The token's user is gone", 401, {"WWW-Authenticate": challenge})
        return _refusal(refusal)
    claims = request.ctx.claims
    scopes = str(claims["scope"]).split() if "client_id" in claims else ["profile", "email"]
    user = orjson.loads(user_response.body or b"{}")
    return json({"sub": user["id"], **user_claims(user, scopes)}, headers=NO_STORE)
