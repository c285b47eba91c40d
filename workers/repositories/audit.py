"""The audit trail as commands read it (they write it through the unit of work's record())."""

from datetime import datetime

from usersvc.workers.models import AuditLog
from usersvc.workers.repositories.base import Repository


class AuditRepository(Repository):
    async def recorded_since(self, *, entity_id: str, action: str, since: datetime) -> bool:
        return (
            await AuditLog.filter(entity_id=entity_id, action=action, created_at__gt=since).using_db(self._db).exists()
        )

    async def page(self, *, filters: dict[str, str], page: int, page_size: int) -> tuple[int, list[AuditLog]]:
        """(rows in all, this page's rows), newest first; filters by column."""
        query = AuditLog.filter(**filters).using_db(self._db)
        total = await query.count()
        rows = await query.order_by("-id").offset((page - 1) * page_size).limit(page_size)
        return total, rows
