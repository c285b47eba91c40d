"""POST /graphql (and GET for queries), the WebSocket upgrade of GET /graphql (subscriptions),
and GET /graphql/schema.graphql.

A request goes: bearer (UNAUTHENTICATED first, as REST) → the document (a persisted query by
its hash, parsed and validated once per text) → its depth and cost (QUERY_TOO_COMPLEX) → the
gate: one Redis call that checks the session, counts the cost against the caller's read
limit (a mutation: one write per root field) and reads the users that `me` and `user(id:)`
answer from, or the page a lone `users` reads → execution (or, for `me`, `user(id:)` and
`users` alone once their document has run, the direct answer: direct.py). Refusals before
execution answer their REST status with `{"errors": [...]}`; errors of fields answer 200
beside `data`. Every error carries `extensions.code` (section 1's codes, QUERY_TOO_COMPLEX)
and `extensions.details`.
"""

import hashlib
import logging
import re
from collections import OrderedDict
from inspect import isawaitable
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values
from sanic import Blueprint, HTTPResponse, Request, json, raw

from usersvc.domain.commands import ListUsers
from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.oauth import USERS_READ, USERS_WRITE
from usersvc.edge.bearer import bearer_claims
from usersvc.edge.errors import ApiError
from usersvc.edge.graphql import direct
from usersvc.edge.graphql.documents import (
    Checked,
    GraphQLRefusal,
    checked_document,
    error_entry,
    format_error,
    introspection_on,
    refusal,
)
from usersvc.edge.graphql.limits import QUERY_TOO_COMPLEX, Measure, cached_users
from usersvc.edge.graphql.plans import Prepared
from usersvc.edge.graphql.resolvers import Context, page_commands, page_query_of
from usersvc.edge.graphql.schema import executable_schema, shipped_schema
from usersvc.edge.graphql.subscriptions import serve_subscriptions
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit_page, admit_reading
from usersvc.edge.routes.users import PageQuery
from usersvc.settings import Settings

log = logging.getLogger("edge.graphql")
graphql_routes = Blueprint("graphql")
PERSISTED_KEPT = 1024  # persisted queries known to this process (all are in Redis too)
PERSISTED_TTL_SECONDS = 7 * 24 * 3600
PERSISTED_QUERY_NOT_FOUND = "PersistedQueryNotFound"  # the message Apollo's clients look for
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueries:
    """Apollo's automatic persisted queries: a client sends `extensions.persistedQuery.sha256Hash`
    alone; unknown, it is answered PersistedQueryNotFound and sends the text with the hash once,
    which is kept (in Redis, shared by every edge process, and in a small map per process)."""

    def __init__(self, request: Request) -> None:
        ctx = request.app.ctx
        self.redis, self.prefix = ctx.redis, f"{ctx.keys.prefix}:graphql:persisted:"
        if getattr(ctx, "persisted_queries", None) is None:
            ctx.persisted_queries = OrderedDict()
        self.known: OrderedDict[str, str] = ctx.persisted_queries

    def _remember(self, digest: str, text: str) -> None:
        self.known[digest] = text
        self.known.move_to_end(digest)
        while len(self.known) > PERSISTED_KEPT:
            self.known.popitem(last=False)

    async def text(self, request: Request, digest: str, given: str | None) -> tuple[str, bool]:
        """The query's text, and whether to keep it once it validates."""
        if not SHA256.match(digest):
            message = "sha256Hash is not a SHA-256"
            raise GraphQLRefusal(400, [error_entry(request, ErrorCode.VALIDATION_ERROR.value, message)])
        if given is not None:
            if hashlib.sha256(given.encode()).hexdigest() != digest:
                message = "provided sha does not match query"
                raise GraphQLRefusal(400, [error_entry(request, ErrorCode.VALIDATION_ERROR.value, message)])
            return given, digest not in self.known
        if digest in self.known:
            return self.known[digest], False
        try:
            stored = await self.redis.get(self.prefix + digest)
        except Exception:
            raise refusal(request, ApiError(ErrorCode.SERVICE_UNAVAILABLE, "The cache is unavailable")) from None
        if stored is None:
            raise GraphQLRefusal(200, [error_entry(request, ErrorCode.NOT_FOUND.value, PERSISTED_QUERY_NOT_FOUND)])
        self._remember(digest, stored.decode())
        return stored.decode(), False

    async def keep(self, digest: str, text: str) -> None:
        self._remember(digest, text)
        try:
            await self.redis.set(self.prefix + digest, text.encode(), ex=PERSISTED_TTL_SECONDS)
        except Exception:
            log.warning("a persisted query was not stored", exc_info=True)


def _params(request: Request) -> dict:
    """query, variables, operationName and extensions, from the JSON body (POST) or the query
    string (GET, where variables and extensions are JSON text)."""
    if request.method == "POST":
        try:
            params = orjson.loads(request.body or b"")
        except orjson.JSONDecodeError:
            raise refusal(request, ApiError(ErrorCode.MALFORMED_REQUEST, "The body is not valid JSON")) from None
    else:
        params = {name: request.args.get(name) for name in ("query", "variables", "operationName", "extensions")}
        for name in ("variables", "extensions"):
            if isinstance(params[name], str):
                try:
                    params[name] = orjson.loads(params[name])
                except orjson.JSONDecodeError:
                    raise refusal(request, ApiError(ErrorCode.MALFORMED_REQUEST, f"{name} is not JSON")) from None
    if not isinstance(params, dict):
        raise refusal(request, ApiError(ErrorCode.MALFORMED_REQUEST, "The body must be a JSON object"))
    shapes = {"query": str, "variables": dict, "operationName": str, "extensions": dict}
    for name, shape in shapes.items():
        if params.get(name) is not None and not isinstance(params[name], shape):
            raise refusal(request, ApiError(ErrorCode.MALFORMED_REQUEST, f"{name} must be a {shape.__name__}"))
    return params


async def _document_of(request: Request, params: dict, introspection: bool) -> Checked:
    persisted = (params.get("extensions") or {}).get("persistedQuery")
    keep = None
    if isinstance(persisted, dict) and persisted.get("sha256Hash") is not None:
        queries = PersistedQueries(request)
        digest = str(persisted["sha256Hash"])
        text, store = await queries.text(request, digest, params.get("query"))
        keep = (queries, digest, text) if store else None
    elif params.get("query") is None:
        raise refusal(request, ApiError(ErrorCode.MALFORMED_REQUEST, "No query was given"))
    else:
        text = params["query"]
    checked = checked_document(text, introspection)
    if checked.document is None:
        raise GraphQLRefusal(400, [error_entry(request, ErrorCode.MALFORMED_REQUEST.value, checked.errors[0].message)])
    if checked.errors:
        raise GraphQLRefusal(400, [format_error(request, error) for error in checked.errors])
    if keep is not None:
        await keep[0].keep(keep[1], keep[2])
    return checked


def operation_of(request: Request, document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    found = get_operation_ast(document, name)
    if found is None:
        message = f"Unknown operation named '{name}'" if name else "Name the operation to run (operationName)"
        raise GraphQLRefusal(400, [error_entry(request, ErrorCode.VALIDATION_ERROR.value, message)])
    return found


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def prepared_operation(request: Request, checked: Checked, name: str | None) -> Prepared:
    """The operation to run, prepared once per document and operationName (plans.py)."""
    found = checked.prepared.get(name)
    if found is None:
        assert checked.document is not None  # _document_of refused the others
        operation = operation_of(request, checked.document, name)
        found = Prepared(executable_schema(), checked.document, operation, fragments_of(checked.document))
        checked.prepared[name] = found
    return found


def users_page(request: Request, prepared: Prepared, variables: dict) -> PageQuery | None:
    """The list page a query of `users` alone will read, worked out before it runs, as its
    resolver will (resolvers.page_commands, page_query_of), so that the admission reads it
    (one Redis call, as GET /v1/users): None for any other query, a cursor that spans two
    pages, or arguments the resolver will refuse (it does, after the usual admission)."""
    node = prepared.lone_root_field
    if node is None or node.name.value != "users":
        return None
    try:
        key = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    if key in prepared.pages:
        return prepared.pages[key]
    page = None
    coerced = prepared.variable_values(variables)
    if not isinstance(coerced, list):  # errors: the execution answers them
        field = prepared.schema.query_type.fields["users"]  # type: ignore[union-attr]
        try:
            arguments = get_argument_values(field, node, coerced)
            first, after = arguments.pop("first", None), arguments.pop("after", None)
            filters = {name: value for name, value in arguments.items() if value is not None}
            commands = page_commands(ListUsers, filters, first, after)[3]
            page = page_query_of(request, commands[0]) if len(commands) == 1 else None
        except (DomainError, GraphQLError):
            page = None
    prepared.remember_page(key, page)
    return page


def check_complexity(request: Request, settings: Settings, size: Measure) -> int:
    """The document's cost, or QUERY_TOO_COMPLEX before anything runs."""
    if size.depth <= settings.graphql_max_depth and size.cost <= settings.graphql_max_cost:
        return size.cost
    limits = {"depth": size.depth, "maxDepth": settings.graphql_max_depth}
    limits |= {"cost": size.cost, "maxCost": settings.graphql_max_cost}
    if size.depth > settings.graphql_max_depth:
        message = f"The query nests {size.depth} levels deep; at most {settings.graphql_max_depth} are allowed"
        raise GraphQLRefusal(400, [error_entry(request, QUERY_TOO_COMPLEX, message, **limits)])
    if size.cost > settings.graphql_max_cost:
        message = f"The query costs {size.cost}; at most {settings.graphql_max_cost} is allowed (docs/graphql.md)"
        raise GraphQLRefusal(400, [error_entry(request, QUERY_TOO_COMPLEX, message, **limits)])
    return size.cost


async def run(request: Request, params: dict) -> bytes:
    """The response body of an answered request (a refusal raises GraphQLRefusal)."""
    ctx = request.app.ctx
    settings: Settings = ctx.settings
    try:
        claims = bearer_claims(request, ctx.gate.tokens)  # anonymous: UNAUTHENTICATED, before all else
    except DomainError as error:
        raise refusal(request, error) from None
    prepared = prepared_operation(
        request, await _document_of(request, params, introspection_on(settings)), params.get("operationName")
    )
    found = prepared.operation
    if found.operation == OperationType.SUBSCRIPTION:
        message = "Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql"
        raise GraphQLRefusal(400, [error_entry(request, ErrorCode.VALIDATION_ERROR.value, message)])
    writes = found.operation == OperationType.MUTATION
    if writes and request.method != "POST":
        not_allowed = ApiError(ErrorCode.METHOD_NOT_ALLOWED, "Mutations are sent with POST", headers={"Allow": "POST"})
        raise refusal(request, not_allowed)
    variables = params.get("variables") or {}
    cost = check_complexity(request, settings, prepared.size(variables))
    wanted = () if writes else sorted(cached_users(prepared.roots, variables, subject=str(claims["sub"])))
    page = None if writes else users_page(request, prepared, variables)
    pages: dict[str, tuple[bytes | None, str]] = {}
    cached_page: bytes | None = None
    entries: list = []
    try:
        if page is not None:  # as GET /v1/users: the page comes with the admission
            caller, cached_page, state = await admit_page(
                request,
                dependencies=page.dependencies,
                page_key_template=page.key_template,
                client_scope=USERS_READ,
                weight=max(cost, 1),
            )
            pages = {page.key_template: (cached_page, state)}
        else:
            caller, entries = await admit_reading(
                request,
                cache_keys=tuple(ctx.keys.user(user_id) for user_id in wanted),
                write=writes,
                client_scope=USERS_WRITE if writes else USERS_READ,
                weight=len(found.selection_set.selections) if writes else max(cost, 1),
            )
    except DomainError as error:
        raise refusal(request, error) from None
    cached = dict(zip(wanted, entries, strict=True))
    if not writes:
        body = direct.answer(prepared, caller, cached, variables, cached_page)
        if body is not None:
            return body
    context = Context(request=request, caller=caller, cached=cached, pages=pages)
    result = execute(
        prepared.schema,
        prepared.document,
        context_value=context,
        variable_values=variables,
        operation_name=params.get("operationName"),
        executor_class=prepared.executor_class,
    )
    if isawaitable(result):
        result = await result
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [format_error(request, error) for error in result.errors]
    # orjson: a page of users is kilobytes, which Sanic's default encoder is slow at.
    body = orjson.dumps(answer)
    if not writes and not result.errors:
        direct.remember(prepared, variables, cached_page, body)
    return body


@graphql_routes.route("/graphql", methods=["GET", "POST"])
@operation(
    operation_id="graphql.execute",
    summary="GraphQL (docs/graphql.md); GET with `Upgrade: websocket` serves subscriptions",
    tag="graphql",
    in_document=False,
)
async def graphql_endpoint(request: Request) -> HTTPResponse | None:
    if request.method == "GET" and request.headers.get("upgrade", "").lower() == "websocket":
        await serve_subscriptions(request)
        return None
    try:
        return raw(await run(request, _params(request)), content_type="application/json")
    except GraphQLRefusal as refused:
        return json({"errors": refused.errors}, status=refused.status, headers=refused.headers)


# One route answers GET, POST and the WebSocket upgrade: Sanic allows one handler per method
# and path, and this marker lets a handler that ran a WebSocket return no response.
graphql_endpoint.is_websocket = True  # type: ignore[attr-defined]


@graphql_routes.get("/graphql/schema.graphql")
@operation(
    operation_id="graphql.schema",
    summary="The GraphQL schema (SDL)",
    tag="graphql",
    secured=False,
    rate_limited=False,
    uses_bus=False,
    in_document=False,
)
async def graphql_schema(request: Request) -> HTTPResponse:
    return raw(shipped_schema(), content_type="text/plain; charset=utf-8")


def install(app) -> None:
    """The routes, and WebSocket support for the upgrade of GET /graphql (Sanic picks its
    WebSocket-capable protocol at start only when told before)."""
    app.blueprint(graphql_routes)
    app.enable_websocket()
