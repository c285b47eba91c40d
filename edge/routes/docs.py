"""The API documents: OpenAPI (built from the routes' declarations) and AsyncAPI (generated
from the worker code by `usersvc asyncapi`, shipped in the package), and a page to read them.

The page is Swagger UI, vendored in edge/api_docs/ and served from memory like the admin
console's files, under the console's Content-Security-Policy: nothing on it comes from
another origin, and it runs no inline script (its initialiser is edge/api_docs/docs.js).
"""

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import orjson
from sanic import Blueprint, HTTPResponse, Request, Sanic, html, raw

from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError
from usersvc.edge.openapi import build_document, operation
from usersvc.edge.static_files import CONSOLE_HEADERS, CONTENT_TYPES, IMMUTABLE, REVALIDATE, Asset

docs = Blueprint("docs", url_prefix="/docs")
ASYNCAPI = files("usersvc").joinpath("asyncapi.json")
DOCS_DIR = Path(__file__).resolve().parents[1] / "api_docs"
SWAGGER_UI = "vendor/swagger-ui-dist-5.32.0"
STYLESHEET, BUNDLE, INITIALISER = f"{SWAGGER_UI}/swagger-ui.css", f"{SWAGGER_UI}/swagger-ui-bundle.js", "docs.js"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>usersvc API</title>
<link rel="stylesheet" href="/docs/assets/{stylesheet}" integrity="{stylesheet_integrity}"></head>
<body><div id="api"></div>
<script src="/docs/assets/{bundle}" integrity="{bundle_integrity}"></script>
<script src="/docs/assets/{initialiser}" integrity="{initialiser_integrity}"></script></body></html>"""
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


@dataclass(frozen=True)
class DocsPage:
    html: str
    assets: dict[str, Asset]


def _integrity(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def load_docs_page(root: Path = DOCS_DIR) -> DocsPage:
    """Swagger UI's files and the page that loads them, each with its subresource integrity."""
    assets = {
        name: Asset((root / name).read_bytes(), CONTENT_TYPES[Path(name).suffix])
        for name in (STYLESHEET, BUNDLE, INITIALISER)
    }
    page = PAGE.format(
        stylesheet=STYLESHEET,
        bundle=BUNDLE,
        initialiser=INITIALISER,
        stylesheet_integrity=_integrity(assets[STYLESHEET].body),
        bundle_integrity=_integrity(assets[BUNDLE].body),
        initialiser_integrity=_integrity(assets[INITIALISER].body),
    )
    return DocsPage(html=page, assets=assets)


@docs.before_server_start
async def read_docs_page(app: Sanic) -> None:
    app.ctx.docs_page = await asyncio.to_thread(load_docs_page)


@docs.on_response
async def docs_headers(request: Request, response: HTTPResponse) -> None:
    response.headers.update(CONSOLE_HEADERS)  # the console's policy fits Swagger UI as it is


DOCUMENT = {"tag": "documentation", "secured": False, "rate_limited": False, "uses_bus": False}


@docs.get("/")
@operation(operation_id="docs.page", summary="This document, to read and try", content_type="text/html", **DOCUMENT)
async def page(request: Request) -> HTTPResponse:
    return html(request.app.ctx.docs_page.html, headers={"Cache-Control": REVALIDATE})


@docs.get("/assets/<name:path>")
@operation(
    operation_id="docs.file",
    summary="A file of the documentation page (Swagger UI, vendored)",
    content_type="text/javascript",
    errors=(404,),
    response_headers=("Cache-Control",),
    **DOCUMENT,
)
async def docs_file(request: Request, name: str) -> HTTPResponse:
    found = request.app.ctx.docs_page.assets.get(name)
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No such file")
    # Swagger UI's files are named by their version; the initialiser is not.
    cache = IMMUTABLE if name.startswith(SWAGGER_UI + "/") else REVALIDATE
    return HTTPResponse(found.body, content_type=found.content_type, headers={"Cache-Control": cache})


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
