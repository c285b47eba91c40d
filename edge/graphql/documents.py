"""A document's way to execution, shared by HTTP and WebSocket: parsed and validated once
per text (introspection refused where it is off), and errors in the one GraphQL shape, with
section 1's code and details in `extensions`."""

import functools
import logging
import re
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, parse, specified_rules, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from sanic import Request

from usersvc.domain.errors import DomainError, ErrorCode, FieldError
from usersvc.edge.errors import ApiError, http_status, request_id_of
from usersvc.edge.graphql.schema import executable_schema
from usersvc.settings import Settings

log = logging.getLogger("edge.graphql")
DOCUMENTS_KEPT = 512  # parsed and validated documents per process
SNAKE_PART = re.compile(r"_([a-z0-9])")


class GraphQLRefusal(Exception):
    """A request refused before it runs: its status and its GraphQL errors."""

    def __init__(self, status: int, errors: list[dict], headers: dict | None = None) -> None:
        super().__init__(errors[0]["message"] if errors else "")
        self.status, self.errors, self.headers = status, errors, headers or {}


def introspection_on(settings: Settings) -> bool:
    if settings.graphql_introspection is not None:
        return settings.graphql_introspection
    return settings.environment != "production"


def camel(name: str) -> str:
    return SNAKE_PART.sub(lambda match: match.group(1).upper(), name)


def error_entry(request: Request | None, error: DomainError | str, message: str | None = None, **extra) -> dict:
    """One GraphQL error: the message, and section 1's code and details in `extensions`
    (field names as the schema spells them)."""
    if isinstance(error, DomainError):
        code, message = error.code.value, error.message
        details = [d.model_dump() if isinstance(d, FieldError) else dict(d) for d in error.details]
        details = [{**detail, "field": camel(str(detail.get("field", "")))} for detail in details]
    else:
        code, details = error, []
    extensions = {"code": code, "details": details, "requestId": request_id_of(request), **extra}
    return {"message": message, "extensions": extensions}


def format_error(request: Request, error: GraphQLError) -> dict:
    original = error.original_error
    if isinstance(original, DomainError):
        entry = error_entry(request, original)
    elif original is None or (isinstance(original, GraphQLError) and not error.path):
        # the document or its variables (graphql-core 3.3 gives a variable's refusal the
        # coercion's own GraphQLError as its original): GraphQL's own validation
        entry = error_entry(request, ErrorCode.VALIDATION_ERROR.value, error.message)
    else:
        log.error("resolver failed", exc_info=original, extra={"request_id": request_id_of(request)})
        entry = error_entry(request, ErrorCode.INTERNAL_ERROR.value, "Internal error")
    if error.locations:
        entry["locations"] = [{"line": place.line, "column": place.column} for place in error.locations]
    if error.path:
        entry["path"] = error.path
    return entry


def refusal(request: Request, error: DomainError) -> GraphQLRefusal:
    headers = error.headers if isinstance(error, ApiError) else None
    return GraphQLRefusal(http_status(error), [error_entry(request, error)], headers)


@dataclass(frozen=True)
class Checked:
    """A document parsed and validated (per text and introspection setting), and its
    operations as they were prepared to run (view.py: operationName → plans.Prepared)."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    prepared: dict = field(default_factory=dict, compare=False, hash=False)


@functools.lru_cache(maxsize=DOCUMENTS_KEPT)
def checked_document(text: str, introspection: bool) -> Checked:
    try:
        document = parse(text)
    except GraphQLSyntaxError as error:
        return Checked(None, (error,))
    rules = list(specified_rules) if introspection else [*specified_rules, NoSchemaIntrospectionCustomRule]
    return Checked(document, tuple(validate(executable_schema(), document, rules)))
