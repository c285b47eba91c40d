"""Prometheus metrics of a worker process."""

import socket
import threading
from collections.abc import Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import Counter, Gauge, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from usersvc.metrics_access import MetricsAccess

# step="write": one failed attempt at writing a commit's new values (retried);
# step="invalidate": deleting the affected keys failed too, so a stale entry may be
# served until its TTL ends. Alert on the second.
CACHE_WRITE_FAILURES = Counter("usersvc_cache_write_failures_total", "Failed cache updates after a commit", ["step"])

MAILS_SENT = Counter("usersvc_mails_sent_total", "Mails handed to the SMTP server (or the development log)")
# A dead mail was given up after MAIL_MAX_ATTEMPTS (its content erased): alert on it.
MAILS_DEAD = Counter("usersvc_mails_dead_total", "Mails given up, never delivered")
# Commands neither executed nor answered: their reply_to was not their caller's own queue
# (workers/middleware.py). A caller's mistake, or someone aiming replies at usersvc's queues.
REPLY_TARGETS_REFUSED = Counter(
    "usersvc_reply_targets_refused_total", "Commands dropped because their reply_to is not the caller's own queue"
)

# The analytics totals (GET /v1/analytics/summary's "totals"), read every 30 s by each worker.
ANALYTICS_TOTALS = Gauge(
    "usersvc_analytics_total",
    "Live accounts, active users of 7 and 30 days, accounts with MFA, passkeys",
    ["figure"],
)
LIVE_SESSIONS = Gauge(
    "usersvc_sessions_live", "Sessions neither ended nor expired, by kind (api, browser, grant)", ["kind"]
)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Scrapes are not worth a log line each."""


def serve_metrics(*, host: str, port: int, access: MetricsAccess) -> None:
    """The worker's /metrics on its own port, in a daemon thread, under the edge's rule
    (usersvc/metrics_access.py): everyone else gets 404."""
    metrics = make_wsgi_app()

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        admitted = access.admits(
            peer=environ.get("REMOTE_ADDR", ""),
            forwarded_for=[environ["HTTP_X_FORWARDED_FOR"]] if "HTTP_X_FORWARDED_FOR" in environ else [],
            authorization=environ.get("HTTP_AUTHORIZATION"),
        )
        if not admitted:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found\n"]
        return metrics(environ, start_response)

    class Server(ThreadingWSGIServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = make_server(host, port, app, Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
