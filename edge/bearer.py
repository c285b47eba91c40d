"""The bearer token of a request: its verified claims, decoded once per request, and what a
token issued to an OAuth client may do (its scopes)."""

from sanic import Request

from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError
from usersvc.tokens import InvalidToken, TokenVerifier


def bearer_claims(request: Request, verifier: TokenVerifier) -> dict:
    """The verified claims of the request's access token, or 401 with the contract's code."""
    if getattr(request.ctx, "claims", None) is None:
        request.ctx.claims = _verified(request, verifier)
    return request.ctx.claims


def require_client_scope(claims: dict, needed: str | None) -> None:
    """A token issued to an OAuth client acts only within its scopes (`users:read`,
    `users:write`), and only for a user; one from /v1/auth/login keeps its full rights."""
    if "client_id" not in claims:
        return
    if "sid" not in claims:
        raise ApiError(ErrorCode.INSUFFICIENT_SCOPE, "A client's own token has no rights on usersvc's API")
    if needed is None or needed not in str(claims.get("scope", "")).split():
        wanted = f"the {needed} scope" if needed else "a token from /v1/auth/login"
        raise ApiError(ErrorCode.INSUFFICIENT_SCOPE, f"This request needs {wanted}")


def _verified(request: Request, verifier: TokenVerifier) -> dict:
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(ErrorCode.UNAUTHENTICATED, "Authentication required", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(ErrorCode.INVALID_TOKEN, "Expected 'Authorization: Bearer <token>'")
    try:
        return verifier.verify(token.strip())
    except InvalidToken as error:
        if error.expired:
            raise ApiError(ErrorCode.TOKEN_EXPIRED, "The access token has expired") from None
        raise ApiError(ErrorCode.INVALID_TOKEN, "The access token is invalid") from None
