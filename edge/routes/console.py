"""/admin: the browser console's static files (edge/console/), under a strict CSP.

The console speaks nothing but the public REST API, so serving it gives the edge no new
power. Its files are read into memory at start-up; a request path is only ever a key of
that table, never a file-system path, so no `..` or encoded variant can reach past it.
"""

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sanic import Blueprint, HTTPResponse, Request, Sanic

from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError
from usersvc.edge.openapi import operation
from usersvc.edge.static_files import CONSOLE_HEADERS, CONTENT_TYPES, IMMUTABLE, REVALIDATE, Asset

console = Blueprint("console", url_prefix="/admin")

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
ASSETS_MARKER = "{{assets}}"
PRELOADS_MARKER = "{{module_preloads}}"


@dataclass(frozen=True)
class ConsoleFiles:
    version: str
    index: bytes
    assets: dict[str, Asset]


def load_console_files(root: Path = CONSOLE_DIR) -> ConsoleFiles:
    """Every servable file under root (hidden files and unknown types left out), keyed by
    its relative POSIX path, and index.html with its asset URLs filled in."""
    assets = {
        path.relative_to(root).as_posix(): Asset(path.read_bytes(), CONTENT_TYPES[path.suffix])
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and path.suffix in CONTENT_TYPES
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    }
    index = assets.pop("index.html")
    digest = hashlib.sha256()
    for name, asset in sorted(assets.items()):
        digest.update(name.encode() + b"\0" + asset.body + b"\0")
    version = digest.hexdigest()[:16]
    base = f"/admin/assets/{version}"
    # The app's own modules are preloaded so the browser fetches them in parallel rather
    # than one import level at a time; vendored code loads only where it is used.
    preloads = "\n  ".join(
        f'<link rel="modulepreload" href="{base}/{name}">'
        for name in assets
        if name.startswith("js/") and name.endswith(".js")
    )
    html = index.body.decode().replace(ASSETS_MARKER, base).replace(PRELOADS_MARKER, preloads)
    return ConsoleFiles(version=version, index=html.encode(), assets=assets)


@console.before_server_start
async def read_console_files(app: Sanic) -> None:
    app.ctx.console = await asyncio.to_thread(load_console_files)


@console.on_response
async def console_headers(request: Request, response: HTTPResponse) -> None:
    response.headers.update(CONSOLE_HEADERS)


CONSOLE_OPERATION = {"tag": "console", "secured": False, "rate_limited": False, "uses_bus": False}


@console.get("/", strict_slashes=False)
@operation(
    operation_id="console.page",
    summary="The admin console: a page that uses the public REST API only",
    content_type="text/html",
    **CONSOLE_OPERATION,
)
async def index(request: Request) -> HTTPResponse:
    return _page(request)


def _page(request: Request) -> HTTPResponse:
    return HTTPResponse(
        request.app.ctx.console.index, content_type=CONTENT_TYPES[".html"], headers={"Cache-Control": REVALIDATE}
    )


@console.get("/<name:path>")
@operation(
    operation_id="console.file",
    summary="A file of the admin console, at /admin/assets/{version}/…",
    content_type="text/javascript",
    errors=(404,),
    response_headers=("Cache-Control",),
    **CONSOLE_OPERATION,
)
async def console_file(request: Request, name: str) -> HTTPResponse:
    if not name.strip("/"):  # "/admin/" can land here rather than on the page's own route
        return _page(request)
    files: ConsoleFiles = request.app.ctx.console
    folder, _, rest = name.partition("/")
    version, _, path = rest.partition("/")
    found = files.assets.get(path) if folder == "assets" else None
    if found is None:
        raise ApiError(ErrorCode.NOT_FOUND, "No such file")
    # A page from before a release may still ask for the old version: answer with the
    # current file, but never let that answer be cached under the old URL for long.
    cache = IMMUTABLE if version == files.version else REVALIDATE
    return HTTPResponse(found.body, content_type=found.content_type, headers={"Cache-Control": cache})
