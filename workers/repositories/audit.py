"""The audit trail as commands read it (they write it through the unit of work's record())."""

from datetime import datetime

from usersvc.workers.models import AuditLog
from usersvc.workers.repositories.base import Repository

NEWEST_OF_ENTITIES_SQL = """
SELECT id FROM (
    SELECT id, row_number() OVER (PARTITION BY entity_id ORDER BY id DESC) AS nth
    FROM audit_logs WHERE entity_id = ANY($1::text[])
) newest WHERE nth <= $2
"""


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

    async def newest_of(self, entity_ids: list[str], *, per_entity: int) -> list[AuditLog]:
        """The newest `per_entity` rows of each entity, newest first (as `page` orders them):
        one query picks their ids, one reads them."""
        rows = await self._db.execute_query_dict(NEWEST_OF_ENTITIES_SQL, [entity_ids, per_entity])
        ids = [row["id"] for row in rows]
        return await AuditLog.filter(id__in=ids).using_db(self._db).order_by("-id") if ids else []
