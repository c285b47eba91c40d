"""audit.list, and audit.list_of_entities (GraphQL's `User.auditEntries`, batched)."""

from usersvc.domain import rbac
from usersvc.domain.commands import ListAuditLogs, ListAuditOfEntities
from usersvc.domain.rbac import Role
from usersvc.domain.replies import iso_utc, page_of
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.models import AuditLog
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


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
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.require_role(await uow.acting(), Role.ADMIN)
        filters = {
            name: value for name in ("entity_id", "actor_id", "action") if (value := getattr(command, name)) is not None
        }
        total, rows = await uow.audit.page(filters=filters, page=command.page, page_size=command.page_size)
        views = [audit_view(row) for row in rows]
        await uow.commit(page_of(views, page=command.page, page_size=command.page_size, total_items=total))
    return uow.reply


async def list_audit_of_entities(deps: WorkerDeps, envelope: CommandEnvelope[ListAuditOfEntities]) -> dict:
    """The newest entries of each named entity, at most `per_entity` each, newest first, in one
    query (admin): `{"data": {entity_id: [entry, …]}}`, every named entity a key."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.require_role(await uow.acting(), Role.ADMIN)
        found: dict[str, list[dict]] = {entity_id: [] for entity_id in command.entity_ids}
        for row in await uow.audit.newest_of(list(found), per_entity=command.per_entity):
            found[row.entity_id].append(audit_view(row))
        await uow.commit({"data": found})
    return uow.reply


HANDLERS: Handlers = {ListAuditLogs: list_audit_logs, ListAuditOfEntities: list_audit_of_entities}
