"""One closed set of error codes (docs/api.md, "REST"). Only edge/errors.py maps them to HTTP."""

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class ErrorCode(StrEnum):
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    FORBIDDEN = "FORBIDDEN"
    INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"
    REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    LAST_SIGN_IN_METHOD = "LAST_SIGN_IN_METHOD"
    IDENTITY_LINK_REQUIRED = "IDENTITY_LINK_REQUIRED"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    RATE_LIMITED = "RATE_LIMITED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class FieldError(BaseModel):
    field: str
    message: str


class DomainError(Exception):
    """A refusal with a stable code; safe to show to the caller as it is."""

    def __init__(self, code: ErrorCode, message: str, details: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []


def validation_error(field: str, message: str) -> DomainError:
    return DomainError(
        ErrorCode.VALIDATION_ERROR, "Request validation failed", [FieldError(field=field, message=message)]
    )


def field_errors_from_pydantic(errors: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Turn pydantic's error list into the contract's `details` without leaking model names."""
    details = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("envelope", "data", "body")]
        message = error.get("msg", "invalid value")
        if error.get("type") == "extra_forbidden":
            message = "unknown field"
        message = message.removeprefix("Value error, ")
        details.append(FieldError(field=".".join(location) or "body", message=message))
    return details
