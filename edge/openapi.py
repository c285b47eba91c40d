"""The OpenAPI 3.1 document, built from the same pydantic models the edge validates with.

Each route declares what it is with `@operation(...)`: its id, the model of its body, of
its query and of its answer, and the errors it can give beyond the ones every operation of
its kind can give. `build_document(app)` walks the app's routes and turns those
declarations into one document; component schemas come from pydantic, never from a
hand-written copy. OpenAPI 3.1 uses JSON Schema 2020-12, which is what pydantic emits.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from sanic import Sanic

from usersvc.edge.errors import STATUS, ErrorResponse

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": REF.format(model="ErrorResponse")}
OAUTH_ERROR_REF = {"$ref": REF.format(model="OAuthErrorResponse")}


class OAuthErrorResponse(BaseModel):
    """RFC 6749 §5.2: how the token, revocation, introspection and userinfo endpoints refuse."""

    error: str = Field(description="invalid_request, invalid_client, invalid_grant, unauthorized_client, ...")
    error_description: str | None = None


STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _codes_by_status() -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {}
    for code, status in STATUS.items():
        codes.setdefault(status, []).append(code.value)
    return codes


CODES_BY_STATUS = _codes_by_status()


def _header(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


REQUEST_ID = _header("The request's id: the client's X-Request-ID when it is a sane token, else a new one")
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": _header("Requests allowed in the window", {"type": "integer"}),
    "X-RateLimit-Remaining": _header("Requests left in the window", {"type": "integer"}),
    "X-RateLimit-Reset": _header("Unix time the window ends", {"type": "integer"}),
}
ETAG = {"ETag": _header("Changes on every modification of the user; send it back in If-Match")}


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "header" | "path" | "query"
    description: str
    schema: dict = field(default_factory=lambda: {"type": "string"})
    required: bool = False

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "in": self.location,
            "description": self.description,
            "required": self.required or self.location == "path",
            "schema": self.schema,
        }


CLIENT_REQUEST_ID = Parameter(
    "X-Request-ID",
    "header",
    "Your id for this request: echoed back when it is 1-128 of [A-Za-z0-9._:-], else replaced by a new one",
)
IF_MATCH = Parameter(
    "If-Match",
    "header",
    "The ETag you last read: the change is refused (412) if the user changed since, or if the"
    " value cannot be an ETag (over 200 characters, say)",
    {"type": "string"},
)
IDEMPOTENCY_KEY = Parameter(
    "Idempotency-Key",
    "header",
    "Retries with the same key and body take effect once (the first answer again); the same key with another body: 422",
    {"type": "string", "maxLength": 200},
)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    tag: str
    status: int = 200
    response: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    secured: bool = True
    rate_limited: bool = True
    uses_bus: bool = True
    parameters: tuple[Parameter, ...] = ()
    response_headers: tuple[str, ...] = ()  # "ETag", "Location", "Cache-Control"
    content_type: str = "application/json"  # of a success without a response model: text
    description: str | None = None
    form: type[BaseModel] | None = None  # an application/x-www-form-urlencoded body (OAuth endpoints)
    oauth_errors: bool = False  # errors in RFC 6749's shape (OAuthErrorResponse), not section 1's
    in_document: bool = True  # False: a browser page, not an API operation (the provider's pages)

    def error_statuses(self) -> list[int]:
        """What this operation can answer besides success, by the kind of operation it is."""
        statuses = {500, *self.errors}
        if self.secured:
            statuses |= {401}
        if self.rate_limited:
            statuses |= {429, 503}
        if self.body is not None:
            statuses |= {400, 413, 422}
        if self.form is not None:
            statuses |= {400, 413}
        if self.query is not None:
            statuses |= {422}
        if self.uses_bus:
            statuses |= {503, 504}
        return sorted(statuses)


def operation(**declared: Any) -> Callable[[F], F]:
    """Declare a route's OpenAPI operation (see Operation for the fields)."""
    described = Operation(**declared)

    def attach(handler: F) -> F:
        handler.__openapi__ = described  # type: ignore[attr-defined]
        return handler

    return attach


def _components(operations: list[Operation]) -> dict:
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {(ErrorResponse, "serialization")}
    for described in operations:
        if described.body:
            models.add((described.body, "validation"))
        if described.form:
            models.add((described.form, "validation"))
        if described.oauth_errors:
            models.add((OAuthErrorResponse, "serialization"))
        if described.response:
            models.add((described.response, "serialization"))
    _, schema = models_json_schema(sorted(models, key=lambda item: (item[0].__name__, item[1])), ref_template=REF)
    return schema.get("$defs", {})


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", prop.get("title", name)),
            "schema": {key: value for key, value in prop.items() if key not in ("title", "description")},
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _responses(described: Operation) -> dict:
    headers = {"X-Request-ID": REQUEST_ID}
    if described.rate_limited:
        headers |= RATE_LIMIT_HEADERS
    success_headers = dict(headers)
    for name in described.response_headers:
        success_headers[name] = ETAG["ETag"] if name == "ETag" else _header(name)
    success: dict = {"description": STATUS_TEXT.get(described.status, "Success"), "headers": success_headers}
    if described.response is not None:
        success["content"] = {"application/json": {"schema": {"$ref": REF.format(model=described.response.__name__)}}}
    elif described.status not in (202, 204):  # accepted or done: nothing more to say
        kind = "object" if described.content_type == "application/json" else "string"
        success["content"] = {described.content_type: {"schema": {"type": kind}}}
    responses = {str(described.status): success}
    for status in described.error_statuses():
        error_headers = dict(headers)
        if status == 429:
            error_headers["Retry-After"] = _header("Seconds to wait", {"type": "integer"})
        codes = ", ".join(f"`{code}`" for code in CODES_BY_STATUS.get(status, ["INTERNAL_ERROR"]))
        responses[str(status)] = {
            "description": f"{STATUS_TEXT.get(status, 'Error')}: {codes}",
            "headers": error_headers,
            "content": {"application/json": {"schema": OAUTH_ERROR_REF if described.oauth_errors else ERROR_REF}},
        }
    return responses


def _path_and_parameters(uri: str) -> tuple[str, list[dict]]:
    """Sanic's `/v1/users/<user_id:str>` → `/v1/users/{user_id}` and its path parameter."""
    parts, parameters = [], []
    for part in uri.strip("/").split("/"):
        if part.startswith("<") and part.endswith(">"):
            name = part[1:-1].split(":")[0]
            parts.append("{" + name + "}")
            parameters.append(Parameter(name, "path", f"The {name.replace('_', ' ')}").as_dict())
        else:
            parts.append(part)
    return "/" + "/".join(parts), parameters


def _operation_object(described: Operation, path_parameters: list[dict]) -> dict:
    parameters = [
        *path_parameters,
        CLIENT_REQUEST_ID.as_dict(),
        *(parameter.as_dict() for parameter in described.parameters),
    ]
    if described.query is not None:
        parameters += _query_parameters(described.query)
    result: dict = {
        "operationId": described.operation_id,
        "summary": described.summary,
        "tags": [described.tag],
        "parameters": parameters,
        "responses": _responses(described),
    }
    if described.description:
        result["description"] = described.description
    if described.form is not None:
        result["requestBody"] = {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": {"$ref": REF.format(model=described.form.__name__)}}
            },
        }
    if described.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=described.body.__name__)}}},
        }
    result["security"] = [{"bearer": []}] if described.secured else []
    return result


def build_document(app: Sanic, *, title: str, version: str, description: str) -> dict:
    paths: dict[str, dict] = {}
    operations = []
    for route in app.router.routes:
        described = getattr(route.handler, "__openapi__", None)
        if described is None or not described.in_document:
            continue
        operations.append(described)
        path, path_parameters = _path_and_parameters(route.uri)
        methods = sorted(route.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            operation_object = _operation_object(described, path_parameters)
            if len(methods) > 1 and method != "GET":  # one route, several methods: ids stay unique
                operation_object["operationId"] += f"_{method.lower()}"
            paths.setdefault(path, {})[method.lower()] = operation_object
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": description,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": _components(operations),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "tags": [{"name": name} for name in sorted({described.tag for described in operations})],
    }
