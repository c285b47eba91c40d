"""audit.list."""

from usersvc.domain import rbac
from usersvc.domain.commands import ListAuditLogs
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import iso_utc, page_of
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, execute_query
from usersvc.workers.models import AuditLog
from usersvc.workers.routing import Handlers


def audit_view(row: AuditLog) -> dict:
    return {
        "id": row.id,
        "actor": {"type": row.actor_type, "id": row.actor_id},
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "old_values": row.old_values,
        "new_values": row.new_values,
        "ip_address": row.ip_address,
        "user_agent": row.user_agent,
        "request_id": row.request_id,
        "command_id": row.command_id,
        "created_at": iso_utc(row.created_at),
    }


async def list_audit_logs(deps: WorkerDeps, envelope: CommandEnvelope[ListAuditLogs]) -> dict:
    """A page of the audit trail, newest first (admin)."""

    async def work(principal: Principal, command: ListAuditLogs) -> dict:
        rbac.require_role(principal, Role.ADMIN)
        filters = {
            name: value for name in ("entity_id", "actor_id", "action") if (value := getattr(command, name)) is not None
        }
        query = AuditLog.filter(**filters)
        total = await query.count()
        rows = await query.order_by("-id").offset((command.page - 1) * command.page_size).limit(command.page_size)
        return page_of(
            [audit_view(row) for row in rows], page=command.page, page_size=command.page_size, total_items=total
        )

    return await execute_query(envelope, work)


HANDLERS: Handlers = {ListAuditLogs: list_audit_logs}
