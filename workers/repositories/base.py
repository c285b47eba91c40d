"""What every repository is: SQL spoken on its unit of work's connection (the transaction's
once the unit has begun, the pool's before)."""

from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import DatabaseUnitOfWork


class Repository:
    def __init__(self, unit: "DatabaseUnitOfWork") -> None:
        self.unit = unit

    @property
    def _db(self) -> BaseDBAsyncClient:
        return self.unit.connection
