"""create_app(settings): the edge's one composition root."""

import asyncio
import logging
import os
import re
import uuid

from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import SanicException

from usersvc.cache_keys import CacheKeys
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.edge import header_sanitizer
from usersvc.edge.bus import RpcClient
from usersvc.edge.cors import add_cors
from usersvc.edge.errors import ApiError, error_response
from usersvc.edge.gate import Gate
from usersvc.edge.graphql.view import install as install_graphql
from usersvc.edge.key_set import EdgeKeySet
from usersvc.edge.login_guard import LoginGuard
from usersvc.edge.metrics import flush_counts_forever, response_counter
from usersvc.edge.provider_pages import ProviderPages
from usersvc.edge.routes.account import account
from usersvc.edge.routes.account_security import account_security
from usersvc.edge.routes.analytics import analytics
from usersvc.edge.routes.audit import audit
from usersvc.edge.routes.auth import auth
from usersvc.edge.routes.consents import consents
from usersvc.edge.routes.console import console
from usersvc.edge.routes.docs import docs
from usersvc.edge.routes.identity_providers import identity_providers
from usersvc.edge.routes.mfa import mfa
from usersvc.edge.routes.oauth import oauth
from usersvc.edge.routes.oauth_clients import oauth_clients
from usersvc.edge.routes.oauth_tokens import oauth_tokens
from usersvc.edge.routes.ops import ops
from usersvc.edge.routes.passkeys import passkeys
from usersvc.edge.routes.provider_sign_in import provider_sign_in
from usersvc.edge.routes.users import page_query_parser, users
from usersvc.edge.routes.well_known import discovery_document, well_known
from usersvc.edge.single_flight import SingleFlight
from usersvc.logs import configure_logging
from usersvc.redis_client import connect_redis
from usersvc.settings import Settings
from usersvc.tokens import TokenVerifier

log = logging.getLogger("edge")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
SANIC_ERRORS = {
    400: ErrorCode.MALFORMED_REQUEST,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


def allowed_methods(request: Request) -> list[str]:
    """The methods the request's path has (for 405's Allow header)."""
    found = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            request.app.router.get(request.path, method, None)
        except SanicException:
            continue
        found.append(method)
    return found


def create_app(settings: Settings | None = None, *, name: str = "usersvc") -> Sanic:
    settings = settings or Settings()
    # Each edge process runs this factory (Sanic spawns them), so each sets up its logging.
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    app = Sanic(name, configure_logging=False)  # logs go through usersvc.logs like the rest
    header_sanitizer.install()
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 75
    app.ctx.settings = settings
    app.ctx.keys = CacheKeys(settings.redis_key_prefix)
    app.ctx.page_queries = page_query_parser(app.ctx.keys)
    app.ctx.provider_pages = ProviderPages(settings)
    app.ctx.discovery = discovery_document(settings)
    blueprints = (
        users,
        auth,
        consents,
        account,
        account_security,
        mfa,
        passkeys,
        audit,
        analytics,
        oauth_clients,
        ops,
        docs,
        well_known,
        oauth,
        oauth_tokens,
    )
    for blueprint in blueprints:
        app.blueprint(blueprint)
    for blueprint in (identity_providers, provider_sign_in):  # sign in with another provider
        app.blueprint(blueprint)
    app.blueprint(console)  # /admin: static files only, on the public API
    install_graphql(app)  # /graphql (docs/graphql.md)
    add_cors(app, settings)

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        app.ctx.redis = connect_redis(settings.redis_url, max_connections=256)
        app.ctx.rpc = RpcClient(settings.edge_broker_url, timeout_seconds=settings.rpc_timeout_seconds)
        await app.ctx.rpc.start()
        verifier = TokenVerifier(issuer=settings.token_issuer, audience=settings.jwt_audience)
        app.ctx.key_set = EdgeKeySet(rpc=app.ctx.rpc, verifier=verifier)
        await app.ctx.key_set.start()
        app.ctx.gate = Gate(redis=app.ctx.redis, keys=app.ctx.keys, rpc=app.ctx.rpc, tokens=verifier)
        app.ctx.list_fills = SingleFlight()
        app.ctx.login_guard = LoginGuard(
            redis=app.ctx.redis, keys=app.ctx.keys, threshold=settings.login_backoff_threshold
        )
        app.ctx.counting = asyncio.create_task(flush_counts_forever())

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        app.ctx.counting.cancel()
        await asyncio.gather(app.ctx.counting, return_exceptions=True)
        await app.ctx.key_set.stop()
        await app.ctx.rpc.stop()
        await app.ctx.gate.aclose()
        await app.ctx.redis.aclose()

    # Sanic annotates on_request(priority=…) as returning a middleware, not the decorator it is.
    @app.on_request(priority=100)  # type: ignore[call-arg]
    async def assign_request_id(request: Request) -> None:
        given = request.headers.get("x-request-id", "")
        request.ctx.request_id = given if SANE_REQUEST_ID.match(given) else os.urandom(16).hex()

    @app.on_request(priority=90)  # type: ignore[call-arg]
    async def look_up_new_signing_keys(request: Request) -> None:
        """A token signed by a key newer than this process's set (just rotated): fetch the set
        before the synchronous token check refuses it. 503 while the set cannot be trusted."""
        await request.app.ctx.key_set.learn_signer_of(request.headers.get("authorization"))

    @app.on_response(priority=100)
    async def stamp_headers(request: Request, response: HTTPResponse) -> None:
        response.headers["X-Request-ID"] = getattr(request.ctx, "request_id", None) or uuid.uuid4().hex
        response.headers.update(SECURITY_HEADERS)
        if request.path.startswith("/v1/auth"):
            response.headers["Cache-Control"] = "no-store"
        for header, value in (getattr(request.ctx, "rate_limit_headers", None) or {}).items():
            response.headers.setdefault(header, value)
        if not request.transport.is_closing():  # a client that left was sent nothing
            response_counter(response.status).inc()

    @app.exception(DomainError)  # ApiError included: refusals of the edge and of the workers
    async def refusal(request: Request, error: DomainError) -> HTTPResponse:
        return error_response(request, error)

    @app.exception(Exception)
    async def unexpected(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, SanicException) and error.status_code in SANIC_ERRORS:
            code = SANIC_ERRORS[error.status_code]
            if code == ErrorCode.PAYLOAD_TOO_LARGE and "header" in str(error):
                # Sanic says 413 for a request line or headers past its limit: a malformed
                # request (a query too long to read), not a body too large.
                return error_response(
                    request, ApiError(ErrorCode.MALFORMED_REQUEST, "The request line or headers are too long")
                )
            message = {
                ErrorCode.NOT_FOUND: "No such route",
                ErrorCode.MALFORMED_REQUEST: "Malformed request",
                ErrorCode.PAYLOAD_TOO_LARGE: "The body is too large",
            }.get(code, str(error))
            # 405 names the methods the path has (RFC 9110); Sanic's exception carries them.
            allowed = allowed_methods(request) if code == ErrorCode.METHOD_NOT_ALLOWED else None
            headers = {"Allow": ", ".join(allowed)} if allowed else None
            return error_response(request, ApiError(code, message, headers=headers))
        log.exception("unhandled error", extra={"request_id": getattr(request.ctx, "request_id", None)})
        return error_response(request, ApiError(ErrorCode.INTERNAL_ERROR, "Internal error"))

    return app
