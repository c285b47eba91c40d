"""The browser binding of a sign-in through another provider: a random cookie set when the
sign-in starts, whose digest the workers keep with its state. The callback, and a login code
spent in a browser (the provider's pages, a bearer linking an identity), must come from the
browser that started it: a callback URL or code made in another browser signs no one in."""

from sanic import HTTPResponse, Request

from usersvc.domain.opaque_tokens import opaque_token_digest

BINDING_COOKIE = "usersvc_broker"
MAX_AGE_SECONDS = 3600


def binding_token(request: Request) -> str | None:
    value = request.cookies.get(BINDING_COOKIE)
    return value if value and len(value) <= 100 else None


def binding_digest(request: Request) -> str | None:
    token = binding_token(request)
    return opaque_token_digest(token) if token else None


def set_binding(response: HTTPResponse, token: str, *, secure: bool) -> None:
    response.add_cookie(
        BINDING_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="Lax",  # sent on the provider's top-level redirect back
        secure=secure,
        max_age=MAX_AGE_SECONDS,
    )
