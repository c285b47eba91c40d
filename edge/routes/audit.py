"""/v1/audit-logs (admin)."""

from sanic import Blueprint, HTTPResponse, Request, json
from sanic_ext import openapi
from usersvc.domain import rbac
from usersvc.domain.commands import ListAuditLogs
from usersvc.domain.rbac import Role
from usersvc.edge.body import validate
from usersvc.edge.gate import command_context
from usersvc.edge.routes.users import _check

audit = Blueprint("audit", url_prefix="/v1/audit-logs")
QUERY_FIELDS = ("page", "page_size", "entity_id", "actor_id", "action")


@audit.get("/")
@openapi.definition(summary="Audit trail (admin): page, page_size, entity_id, actor_id, action", tag="audit",
                    secured="bearer")
async def list_audit_logs(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    caller, _ = await ctx.gate.admit(request, limit=ctx.settings.read_limit, scope="read")
    _check(rbac.require_role, caller.principal, Role.ADMIN)
    command = validate(ListAuditLogs, {name: request.args.get(name) for name in QUERY_FIELDS if name in request.args})
    return json(await ctx.rpc.call(command, actor=caller.actor, context=command_context(request)))
