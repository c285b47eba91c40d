"""The only code → HTTP status table, and the one error shape (docs/api.md, "REST")."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sanic import HTTPResponse, Request, json

from usersvc.domain.errors import DomainError, ErrorCode, FieldError

STATUS = {
    ErrorCode.MALFORMED_REQUEST: 400,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.INVALID_TOKEN: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.INSUFFICIENT_SCOPE: 403,
    ErrorCode.EMAIL_NOT_VERIFIED: 403,
    ErrorCode.REAUTHENTICATION_REQUIRED: 403,
    ErrorCode.USER_NOT_FOUND: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.EMAIL_TAKEN: 409,
    ErrorCode.USERNAME_TAKEN: 409,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.LAST_SIGN_IN_METHOD: 409,
    ErrorCode.IDENTITY_LINK_REQUIRED: 409,
    ErrorCode.PRECONDITION_FAILED: 412,
    ErrorCode.VALIDATION_ERROR: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.UPSTREAM_TIMEOUT: 504,
}
# A one-time token (email verification, password reset) comes in a body, not as a
# credential: an unknown, used or expired one is a bad request, where a bearer token's is 401.
ONE_TIME_TOKEN_STATUS = {ErrorCode.INVALID_TOKEN: 400}


class ApiError(DomainError):
    """A refusal as the edge answers it: a DomainError (raised here, or a worker's reply)
    with the response headers it needs (Retry-After, Allow, WWW-Authenticate)."""

    def __init__(
        self, code: ErrorCode | str, message: str, details: list | None = None, headers: dict | None = None
    ) -> None:
        super().__init__(ErrorCode(code), message, details)
        self.headers = headers or {}
        self.about_one_time_token = False  # set by one_time_token_refusals()

    @property
    def status(self) -> int:
        return http_status(self)


def http_status(error: DomainError) -> int:
    if isinstance(error, ApiError) and error.about_one_time_token and error.code in ONE_TIME_TOKEN_STATUS:
        return ONE_TIME_TOKEN_STATUS[error.code]
    return STATUS.get(error.code, 500)


@contextmanager
def one_time_token_refusals() -> Iterator[None]:
    """Around the command that spends a one-time token: its INVALID_TOKEN becomes a 400."""
    try:
        yield
    except ApiError as error:
        error.about_one_time_token = True
        raise


def request_id_of(request: Request | None) -> str:
    if request is not None and getattr(request.ctx, "request_id", None):
        return request.ctx.request_id
    return uuid.uuid4().hex


def error_body(request: Request | None, error: DomainError) -> dict:
    """`{"error": {...}}`: the one error shape (ErrorResponse below describes it)."""
    details = [d.model_dump() if isinstance(d, FieldError) else d for d in error.details]
    return {
        "error": {
            "code": error.code.value,
            "message": error.message,
            "details": details,
            "request_id": request_id_of(request),
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }


def error_response(request: Request | None, error: DomainError) -> HTTPResponse:
    headers = error.headers if isinstance(error, ApiError) else None
    return json(error_body(request, error), status=http_status(error), headers=headers)


class ErrorResponseBody(BaseModel):
    code: ErrorCode = Field(description="A stable code; see the error table of the API document")
    message: str = Field(description="For people; may change between versions")
    details: list[FieldError] = Field(description="One entry per invalid field (validation errors)")
    request_id: str = Field(description="The request's X-Request-ID")
    timestamp: str = Field(description="UTC, ISO 8601", examples=["2026-11-21T20:40:53Z"])


class ErrorResponse(BaseModel):
    """The one shape of every 4xx and 5xx answer (built by error_response; described here)."""

    error: ErrorResponseBody
