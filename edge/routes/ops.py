"""Health, readiness and metrics."""

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sanic import Blueprint, HTTPResponse, Request, Sanic, json, raw
from usersvc.domain.commands import Ping
from usersvc.domain.errors import ErrorCode
from usersvc.edge.errors import ApiError
from usersvc.edge.single_flight import SharedResult

ops = Blueprint("ops")

READY_TIMEOUT_SECONDS = 2.0
# Probes from load balancers, orchestrators and monitors add up: each process checks its
# dependencies at most once a second, and concurrent probes share the check in flight.
READY_RESULT_SECONDS = 1.0
EDGE_ACTOR = {"type": "service", "id": "edge"}


@ops.get("/health")
async def health(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


@ops.before_server_start
async def share_readiness_checks(app: Sanic) -> None:
    app.ctx.readiness = SharedResult(lambda: _dependency_checks(app), max_age=READY_RESULT_SECONDS)


async def _cache_check(app: Sanic) -> str:
    await asyncio.wait_for(app.ctx.redis.ping(), READY_TIMEOUT_SECONDS)
    return "ok"


async def _worker_and_database_checks(app: Sanic) -> dict:
    """A ping command proves a worker listens; the worker's SELECT 1 proves the database."""
    try:
        await app.ctx.rpc.call(Ping(), actor=EDGE_ACTOR, context={}, timeout=READY_TIMEOUT_SECONDS)
    except ApiError as error:
        if error.code == ErrorCode.SERVICE_UNAVAILABLE and "database" in error.message.lower():
            return {"workers": "ok", "database": "unavailable"}
        return {"workers": "unavailable", "database": "unknown"}
    return {"workers": "ok", "database": "ok"}


async def _dependency_checks(app: Sanic) -> dict:
    checks = {"broker": "ok" if await app.ctx.rpc.ping(READY_TIMEOUT_SECONDS) else "unavailable"}
    try:
        checks["cache"] = await _cache_check(app)
    except Exception:
        checks["cache"] = "unavailable"
    if checks["broker"] == "ok":
        checks.update(await _worker_and_database_checks(app))
    else:
        checks.update(workers="unknown", database="unknown")
    return checks


@ops.get("/ready")
async def ready(request: Request) -> HTTPResponse:
    checks = await request.app.ctx.readiness.get()
    healthy = all(value == "ok" for value in checks.values())
    if healthy:
        return json({"status": "ready", "checks": checks})
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return json({"status": "unavailable", "checks": checks,
                 "error": {"code": "SERVICE_UNAVAILABLE", "message": f"Not ready: {failing}",
                           "details": [{"field": name, "message": value} for name, value in checks.items()
                                       if value != "ok"],
                           "request_id": request.ctx.request_id}}, status=503)


@ops.get("/metrics")
async def metrics(request: Request) -> HTTPResponse:
    return raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)
