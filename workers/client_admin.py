"""`usersvc clients …`: OAuth clients changed from the command line, through the work of the
oauth_client.* commands themselves (workers/repositories/oauth_clients.py): the same rules,
an audit row by the service `usersvc-cli`, the events in the outbox (a worker's relay
publishes them within seconds; no broker connection is needed here) and, after a delete,
the revoked sessions tombstoned in the cache. It connects as the runtime role (DATABASE_URL),
as `create-admin` does.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from usersvc.domain.commands import (
    MAX_PAGE_SIZE,
    CreateOAuthClient,
    DeleteOAuthClient,
    ListOAuthClients,
    RotateOAuthClientSecret,
)
from usersvc.domain.rbac import Principal, Role
from usersvc.settings import Settings
from usersvc.workers.bootstrap import apply_cache_changes
from usersvc.workers.db import tortoise_config
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.repositories.oauth_clients import (
    client_page,
    delete_client,
    register_client,
    rotate_client_secret,
)

CLI = Principal(kind="service", id="usersvc-cli", role=Role.ADMIN)


async def _in_transaction(settings: Settings, work: Callable[[UnitOfWork], Awaitable[Any]]) -> Any:
    """`work` in one transaction, then its cache changes; a DomainError leaves nothing written."""
    await Tortoise.init(config=tortoise_config(settings.database_url, pool_size=2))
    try:
        async with in_transaction() as connection:
            unit = UnitOfWork.outside_a_command(connection, CLI)
            result = await work(unit)
    finally:
        await Tortoise.close_connections()
    await apply_cache_changes(settings, unit)
    return result


async def create_client(settings: Settings, command: CreateOAuthClient) -> dict:
    """The client as registered, with `client_secret` for a confidential one."""
    return await _in_transaction(settings, lambda unit: register_client(settings, unit, command))


async def rotate_secret(settings: Settings, client_id: str) -> dict:
    command = RotateOAuthClientSecret(client_id=client_id)
    return await _in_transaction(settings, lambda unit: rotate_client_secret(settings, unit, command))


async def delete(settings: Settings, client_id: str) -> None:
    await _in_transaction(settings, lambda unit: delete_client(unit, DeleteOAuthClient(client_id=client_id)))


async def list_clients(settings: Settings) -> list[dict]:
    """Every live client, newest first."""
    await Tortoise.init(config=tortoise_config(settings.database_url, pool_size=2))
    clients: list[dict] = []
    try:
        page = 1
        while True:
            found = await client_page(CLI, ListOAuthClients(page=page, page_size=MAX_PAGE_SIZE))
            clients += found["data"]
            if page >= found["pagination"]["total_pages"]:
                return clients
            page += 1
    finally:
        await Tortoise.close_connections()
