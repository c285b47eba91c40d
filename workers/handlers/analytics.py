"""analytics.summary and analytics.clients: the rollups by day (domain/analytics.py)."""

from datetime import UTC, datetime

from usersvc.domain import rbac
from usersvc.domain.analytics import GetAnalyticsSummary, GetClientSignIns, summary_days
from usersvc.domain.rbac import Role
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


async def summary(deps: WorkerDeps, envelope: CommandEnvelope[GetAnalyticsSummary]) -> dict:
    """Each day of the range, zeros included, and the totals now (admins)."""
    query = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.require_role(await uow.acting(), Role.ADMIN)
        figures = await uow.analytics.figures(query.first, query.last)
        active_users = await uow.analytics.active_users(query.first, query.last)
        totals = await uow.analytics.totals(datetime.now(UTC).date())
        await uow.commit({"days": summary_days(query, figures, active_users), "totals": totals})
    return uow.reply


async def client_sign_ins(deps: WorkerDeps, envelope: CommandEnvelope[GetClientSignIns]) -> dict:
    """Sign-ins through each OAuth client over the range, most first (admins)."""
    query = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        rbac.require_role(await uow.acting(), Role.ADMIN)
        clients = await uow.analytics.client_sign_ins(query.first, query.last)
        await uow.commit({"from": query.first.isoformat(), "to": query.last.isoformat(), "clients": clients})
    return uow.reply


HANDLERS: Handlers = {GetAnalyticsSummary: summary, GetClientSignIns: client_sign_ins}
