"""CORS from sanic-ext, and the body schema helper of the routes' older declarations.

Only the extension we use is loaded: sanic-ext's default set (injection, health,
logging…) adds per-request work measured here at 20-30 % of throughput. The API documents
are built by usersvc.edge.openapi and served by edge/routes/docs.py.
"""

from pydantic import BaseModel
from sanic import Sanic
from sanic_ext import Extend
from sanic_ext.extensions.http.extension import HTTPExtension

from usersvc.settings import Settings


def add_cors(app: Sanic, settings: Settings) -> None:
    origins = settings.cors_origin_list
    app.config.AUTO_EXTEND = False
    Extend(
        app,
        extensions=[HTTPExtension],
        built_in_extensions=False,
        config={
            "cors": bool(origins),
            "cors_origins": ",".join(origins),
            "cors_expose_headers": "X-Request-ID,ETag,Location,Retry-After,X-RateLimit-Limit,"
            "X-RateLimit-Remaining,X-RateLimit-Reset",
            "cors_allow_headers": "Authorization,Content-Type,If-Match,Idempotency-Key,X-Request-ID",
            "http_auto_trace": False,
        },
    )


def body_schema(model: type[BaseModel]) -> dict:
    """A model's JSON schema with its `$defs` inlined, so the refs resolve inside OpenAPI."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                siblings = {key: value for key, value in node.items() if key != "$ref"}
                return {**inline(definitions[node["$ref"].rsplit("/", 1)[-1]]), **siblings}
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {"application/json": inline(schema)}
