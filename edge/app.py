"""create_app(settings): the edge's one composition root."""

import logging
import os
import re
import uuid

from redis.asyncio import Redis
from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import SanicException
from usersvc.domain.errors import ErrorCode
from usersvc.edge.bus import RpcClient
from usersvc.edge.docs import add_docs_and_cors
from usersvc.edge.errors import ApiError, error_response
from usersvc.edge.gate import Gate
from usersvc.edge.login_guard import LoginGuard
from usersvc.edge.metrics import response_counter
from usersvc.edge.routes.audit import audit
from usersvc.edge.routes.auth import auth
from usersvc.edge.routes.ops import ops
from usersvc.edge.routes.users import users

from usersvc.cache_keys import CacheKeys
from usersvc.settings import Settings
from usersvc.tokens import TokenCodec

log = logging.getLogger("edge")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "no-referrer"}
SANIC_ERRORS = {400: ErrorCode.MALFORMED_REQUEST, 404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED,
                413: ErrorCode.PAYLOAD_TOO_LARGE, 503: ErrorCode.SERVICE_UNAVAILABLE}


def create_app(settings: Settings | None = None, *, name: str = "usersvc") -> Sanic:
    settings = settings or Settings()
    app = Sanic(name, configure_logging=False)  # logs go through usersvc.logs like the rest
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 75
    app.ctx.settings = settings
    app.ctx.keys = CacheKeys(settings.redis_key_prefix)
    for blueprint in (users, auth, audit, ops):
        app.blueprint(blueprint)
    add_docs_and_cors(app, settings)

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        app.ctx.redis = Redis.from_url(settings.redis_url, max_connections=256)
        app.ctx.rpc = RpcClient(settings.edge_broker_url, timeout_seconds=settings.rpc_timeout_seconds)
        await app.ctx.rpc.start()
        app.ctx.gate = Gate(redis=app.ctx.redis, keys=app.ctx.keys, rpc=app.ctx.rpc, tokens=TokenCodec(
            secret=settings.jwt_secret, access_minutes=settings.access_token_expire_minutes,
            refresh_minutes=settings.refresh_token_expire_minutes))
        app.ctx.login_guard = LoginGuard(redis=app.ctx.redis, keys=app.ctx.keys,
                                         threshold=settings.login_backoff_threshold)

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        await app.ctx.rpc.stop()
        await app.ctx.redis.aclose()

    @app.on_request(priority=100)
    async def assign_request_id(request: Request) -> None:
        given = request.headers.get("x-request-id", "")
        request.ctx.request_id = given if SANE_REQUEST_ID.match(given) else os.urandom(16).hex()

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

    @app.exception(ApiError)
    async def api_error(request: Request, error: ApiError) -> HTTPResponse:
        return error_response(request, error)

    @app.exception(Exception)
    async def unexpected(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, SanicException) and error.status_code in SANIC_ERRORS:
            code = SANIC_ERRORS[error.status_code]
            message = {ErrorCode.NOT_FOUND: "No such route", ErrorCode.MALFORMED_REQUEST: "Malformed request",
                       ErrorCode.PAYLOAD_TOO_LARGE: "The body is too large"}.get(code, str(error))
            return error_response(request, ApiError(code, message))
        log.exception("unhandled error", extra={"request_id": getattr(request.ctx, "request_id", None)})
        return error_response(request, ApiError(ErrorCode.INTERNAL_ERROR, "Internal error"))

    return app
