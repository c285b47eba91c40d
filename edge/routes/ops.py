"""Health, readiness and metrics."""

import asyncio
import os
from typing import Literal

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from pydantic import BaseModel, Field
from sanic import Blueprint, HTTPResponse, Request, Sanic, json, raw

from usersvc.domain.commands import Ping
from usersvc.domain.errors import ErrorCode
from usersvc.edge.bus import EDGE_ACTOR
from usersvc.edge.errors import ApiError, error_body
from usersvc.edge.metrics import flush_counts
from usersvc.edge.openapi import operation
from usersvc.edge.single_flight import SharedResult
from usersvc.metrics_access import MetricsAccess

ops = Blueprint("ops")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str] = Field(
        description="broker, signing_keys, cache, workers, database: ok, unavailable or unknown"
    )


PROBE = {"secured": False, "rate_limited": False, "tag": "operations"}

READY_TIMEOUT_SECONDS = 2.0
# Probes from load balancers, orchestrators and monitors add up: each process checks its
# dependencies at most once a second, and concurrent probes share the check in flight.
READY_RESULT_SECONDS = 1.0


@ops.get("/health")
@operation(operation_id="ops.health", summary="The process is alive", response=Health, uses_bus=False, **PROBE)
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
        answer = await app.ctx.rpc.call(Ping(), actor=EDGE_ACTOR, context={}, timeout=READY_TIMEOUT_SECONDS)
    except ApiError:
        return {"workers": "unavailable", "database": "unknown"}
    return {"workers": "ok", "database": "ok" if answer.get("database") == "ok" else "unavailable"}


async def _dependency_checks(app: Sanic) -> dict:
    checks = {"broker": "ok" if await app.ctx.rpc.ping(READY_TIMEOUT_SECONDS) else "unavailable"}
    # Bearer requests get 503 while this process cannot trust its key set (edge/key_set.py).
    checks["signing_keys"] = "ok" if app.ctx.key_set.ready() else "unavailable"
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
@operation(
    operation_id="ops.ready",
    summary="Broker, cache, a worker and the database answer (503 names the "
    "failing check; checked at most once a second)",
    response=Readiness,
    errors=(503,),
    **PROBE,
)
async def ready(request: Request) -> HTTPResponse:
    checks = await request.app.ctx.readiness.get()
    healthy = all(value == "ok" for value in checks.values())
    if healthy:
        return json({"status": "ready", "checks": checks})
    failing = {name: value for name, value in checks.items() if value != "ok"}
    error = ApiError(
        ErrorCode.SERVICE_UNAVAILABLE,
        f"Not ready: {', '.join(failing)}",
        [{"field": name, "message": value} for name, value in failing.items()],
    )
    return json({"status": "unavailable", "checks": checks, **error_body(request, error)}, status=503)


@ops.before_server_start
async def metrics_rule(app: Sanic) -> None:
    app.ctx.metrics_access = MetricsAccess.of(app.ctx.settings)


@ops.get("/metrics")
@operation(
    operation_id="ops.metrics",
    summary="Prometheus metrics of every edge process",
    description="Only to clients in METRICS_ALLOW (CIDRs; loopback by default) or with "
    "`Authorization: Bearer <METRICS_TOKEN>`; anyone else gets 404 `NOT_FOUND`, as for an unknown route.",
    uses_bus=False,
    content_type="text/plain",
    errors=(404,),
    **PROBE,
)
async def metrics(request: Request) -> HTTPResponse:
    admitted = request.app.ctx.metrics_access.admits(
        peer=request.ip,
        forwarded_for=request.headers.getall("x-forwarded-for", []),
        authorization=request.headers.get("authorization"),
    )
    if not admitted:
        raise ApiError(ErrorCode.NOT_FOUND, "No such route")
    flush_counts()  # this process's; the others' within FLUSH_SECONDS (edge/metrics.py)
    return raw(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    """With several edge processes, every process's samples, added up (usersvc edge)."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
