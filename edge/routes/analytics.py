"""/v1/analytics (admin): usage figures per day (docs/analytics.md).

The workers keep them from the audit trail; an answer is cached in Redis for a few seconds,
so a dashboard's refreshes and several admins cost one worker round trip per range. The
cache only saves work: when Redis fails past the admission, the workers answer.
"""

import logging

import orjson
from sanic import Blueprint, HTTPResponse, Request, raw

from usersvc.domain import rbac
from usersvc.domain.analytics import (
    AnalyticsSummary,
    ClientSignInsView,
    DateRange,
    GetAnalyticsSummary,
    GetClientSignIns,
)
from usersvc.domain.rbac import Role
from usersvc.edge.body import query_of, validate
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, send

log = logging.getLogger(__name__)
analytics = Blueprint("analytics", url_prefix="/v1/analytics")
QUERY_FIELDS = ("from", "to")
# With the workers' roll-up every 2 s, an answer is at most ~5 s behind the audit trail.
CACHE_SECONDS = 3


async def _answer(request: Request, query: type[DateRange], name: str) -> HTTPResponse:
    caller = await admit(request)
    rbac.require_role(caller.principal, Role.ADMIN)
    command = validate(query, query_of(request, QUERY_FIELDS))
    ctx = request.app.ctx
    key = ctx.keys.analytics(name, command.first, command.last)
    try:
        body = await ctx.redis.get(key)
    except Exception as error:
        log.warning("analytics cache read failed (%s); asking the workers", type(error).__name__)
        body = None
    if body is None:

        async def fill() -> bytes:
            answer = orjson.dumps(await send(request, command, caller=caller))
            try:
                await ctx.redis.set(key, answer, ex=CACHE_SECONDS)
            except Exception as error:
                log.warning("analytics cache write failed (%s)", type(error).__name__)
            return answer

        body = await ctx.list_fills.run(key, fill)
    return raw(body, content_type="application/json")


@analytics.get("/summary")
@operation(
    operation_id="analytics.summary",
    summary="Sign-ups, sign-ins by method, failures, active users and sessions per day, and totals (admin)",
    tag="analytics",
    query=GetAnalyticsSummary,
    response=AnalyticsSummary,
    errors=(403,),
)
async def summary(request: Request) -> HTTPResponse:
    return await _answer(request, GetAnalyticsSummary, "summary")


@analytics.get("/clients")
@operation(
    operation_id="analytics.clients",
    summary="Sign-ins through each OAuth client over a range of days (admin)",
    tag="analytics",
    query=GetClientSignIns,
    response=ClientSignInsView,
    errors=(403,),
)
async def clients(request: Request) -> HTTPResponse:
    return await _answer(request, GetClientSignIns, "clients")
