"""The API documents: OpenAPI (built from the routes' declarations) and AsyncAPI (generated
from the worker code by `usersvc asyncapi`, shipped in the package), and a page to read them."""

from importlib.resources import files

import orjson
from sanic import Blueprint, HTTPResponse, Request, Sanic, html, raw

from usersvc.edge.openapi import build_document, operation

docs = Blueprint("docs", url_prefix="/docs")
ASYNCAPI = files("usersvc").joinpath("asyncapi.json")
SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.32.0"
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>usersvc API</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css"></head>
<body><div id="api"></div><script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "/docs/openapi.json", dom_id: "#api"}});</script></body></html>"""
DESCRIPTION = (
    "User management and authentication. Every error answers "
    '`{"error": {"code", "message", "details", "request_id", "timestamp"}}` (`ErrorResponse`). '
    "The same commands are on RabbitMQ: see /docs/asyncapi.json."
)


def openapi_document(app: Sanic) -> bytes:
    """Built once per process, on first use: the routes do not change after start-up."""
    if getattr(app.ctx, "openapi_document", None) is None:
        document = build_document(app, title="usersvc", version="1.0.0", description=DESCRIPTION)
        app.ctx.openapi_document = orjson.dumps(document)
    return app.ctx.openapi_document


def asyncapi_document(app: Sanic) -> bytes:
    """Read once per process from the package (a few kilobytes)."""
    if getattr(app.ctx, "asyncapi_document", None) is None:
        app.ctx.asyncapi_document = ASYNCAPI.read_bytes()
    return app.ctx.asyncapi_document


DOCUMENT = {"tag": "documentation", "secured": False, "rate_limited": False, "uses_bus": False}


@docs.get("/")
@operation(operation_id="docs.page", summary="This document, to read and try", content_type="text/html", **DOCUMENT)
async def page(request: Request) -> HTTPResponse:
    return html(PAGE)


@docs.get("/openapi.json")
@operation(operation_id="docs.openapi", summary="The OpenAPI document of the REST API", **DOCUMENT)
async def openapi_json(request: Request) -> HTTPResponse:
    return raw(openapi_document(request.app), content_type="application/json")


@docs.get("/asyncapi.json")
@operation(
    operation_id="docs.asyncapi", summary="The AsyncAPI document of the bus (commands, replies, events)", **DOCUMENT
)
async def asyncapi_json(request: Request) -> HTTPResponse:
    return raw(asyncapi_document(request.app), content_type="application/json")
