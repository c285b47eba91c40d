"""CORS for browser clients on the origins in CORS_ORIGINS, from sanic-ext.

Only the extension we use is loaded: sanic-ext's default set (injection, health,
logging…) adds per-request work (measured: docs/scaling.md). The API documents are built
by usersvc.edge.openapi and served by edge/routes/docs.py, without sanic-ext.
"""

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
