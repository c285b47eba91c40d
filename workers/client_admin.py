"""`usersvc clients …`: OAuth clients changed from the command line, through the work of the
oauth_client.* commands themselves (workers/repositories/oauth_clients.py): the same rules,
an audit row by the service `usersvc-cli`, the events in the outbox (a worker's relay
publishes them within seconds; no broker connection is needed here) and, after a delete,
the revoked sessions tombstoned in the cache. It connects as the runtime role (DATABASE_URL),
as `create-admin` does.
"""

from collections.abc import Awaitable, Callable
from typing import Any

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
from usersvc.workers.db import connected
from usersvc.workers.repositories.oauth_clients import (
    client_page,
    delete_client,
    register_client,
    rotate_client_secret,
)
from usersvc.workers.unit_of_work import UnitOfWork, outside_a_command, reading

CLI = Principal(kind="service", id="usersvc-cli", role=Role.ADMIN)


async def _in_one_transaction(settings: Settings, work: Callable[[UnitOfWork], Awaitable[Any]]) -> Any:
    """`work` in one transaction, then its cache changes; a DomainError leaves nothing written."""
    async with connected(settings.database_url), outside_a_command(settings, CLI) as unit:
        result = await work(unit)
    await apply_cache_changes(settings, unit)
    return result


async def create_client(settings: Settings, command: CreateOAuthClient) -> dict:
    """The client as registered, with `client_secret` for a confidential one."""
    return await _in_one_transaction(settings, lambda unit: register_client(settings, unit, command))


async def rotate_secret(settings: Settings, client_id: str) -> dict:
    command = RotateOAuthClientSecret(client_id=client_id)
    return await _in_one_transaction(settings, lambda unit: rotate_client_secret(settings, unit, command))


async def delete(settings: Settings, client_id: str) -> None:
    await _in_one_transaction(settings, lambda unit: delete_client(unit, DeleteOAuthClient(client_id=client_id)))


async def list_clients(settings: Settings) -> list[dict]:
    """Every live client, newest first."""
    clients: list[dict] = []
    async with connected(settings.database_url):
        unit = reading(settings)
        unit.principal = CLI
        page = 1
        while True:
            found = await client_page(unit, ListOAuthClients(page=page, page_size=MAX_PAGE_SIZE))
            clients += found["data"]
            if page >= found["pagination"]["total_pages"]:
                return clients
            page += 1
