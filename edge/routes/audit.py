"""/v1/audit-logs (admin)."""

from sanic import Blueprint, HTTPResponse, Request, json

from usersvc.domain import rbac
from usersvc.domain.commands import ListAuditLogs
from usersvc.domain.rbac import Role
from usersvc.domain.replies import AuditPage
from usersvc.edge.body import query_of, validate
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, send

audit = Blueprint("audit", url_prefix="/v1/audit-logs")
QUERY_FIELDS = ("page", "page_size", "entity_id", "actor_id", "action")


@audit.get("/")
@operation(
    operation_id="audit.list",
    summary="A page of the audit trail, newest first (admin)",
    tag="audit",
    query=ListAuditLogs,
    response=AuditPage,
    errors=(403,),
)
async def list_audit_logs(request: Request) -> HTTPResponse:
    caller = await admit(request)
    rbac.require_role(caller.principal, Role.ADMIN)
    command = validate(ListAuditLogs, query_of(request, QUERY_FIELDS))
    return json(await send(request, command, caller=caller))
