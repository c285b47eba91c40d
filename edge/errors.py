"""The only code → HTTP status table, and the one error shape (docs/api.md, "REST")."""

import uuid
from datetime import datetime, timezone

from sanic import HTTPResponse, Request, json
from usersvc.domain.errors import ErrorCode, FieldError

STATUS = {
    ErrorCode.MALFORMED_REQUEST: 400,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.INVALID_TOKEN: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.USER_NOT_FOUND: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.EMAIL_TAKEN: 409,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.PRECONDITION_FAILED: 412,
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.UPSTREAM_TIMEOUT: 504,
}


class ApiError(Exception):
    def __init__(self, code: ErrorCode | str, message: str, details: list | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.details = details or []
        self.headers = headers or {}


def request_id_of(request: Request | None) -> str:
    if request is not None and getattr(request.ctx, "request_id", None):
        return request.ctx.request_id
    return uuid.uuid4().hex


def error_response(request: Request | None, error: ApiError) -> HTTPResponse:
    details = [d.model_dump() if isinstance(d, FieldError) else d for d in error.details]
    body = {"error": {
        "code": error.code.value,
        "message": error.message,
        "details": details,
        "request_id": request_id_of(request),
        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }}
    return json(body, status=STATUS.get(error.code, 500), headers=error.headers)
