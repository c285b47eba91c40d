"""Reading a JSON body into a domain model, with the contract's 400 and 422 answers."""

from typing import TypeVar
from urllib.parse import parse_qs

import orjson
from pydantic import BaseModel, ValidationError
from sanic import Request

from usersvc.domain.errors import ErrorCode, field_errors_from_pydantic
from usersvc.edge.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def parse_body(request: Request, model: type[M]) -> M:
    try:
        data = orjson.loads(request.body or b"")
    except orjson.JSONDecodeError:
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "The body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "The body must be a JSON object")
    return validate(model, data)


def validate(model: type[M], data: dict) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR, "Request validation failed", field_errors_from_pydantic(error.errors())
        ) from None


def query_of(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return query_fields(request.query_string, names)


def query_fields(query_string: str, names: tuple[str, ...]) -> dict[str, str]:
    """The named query parameters, blank ones included (`?search=` is refused, not ignored);
    the first of repeated ones, parsed as Sanic parses `request.args`."""
    args = parse_qs(query_string, keep_blank_values=True, encoding="utf-8", errors="replace")
    return {name: args[name][0] for name in names if name in args}
