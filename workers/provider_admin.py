"""`usersvc providers …`: identity providers kept from the command line, with the same work,
checks and audit rows as `/v1/identity-providers` (workers/handlers/identity_providers.py),
run in one transaction as the service `cli`."""

from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from usersvc.domain.identity_providers import (
    CreateIdentityProvider,
    DeleteIdentityProvider,
    GetIdentityProvider,
    ListIdentityProviders,
    UpdateIdentityProvider,
)
from usersvc.domain.rbac import Principal, Role
from usersvc.settings import Settings
from usersvc.workers.db import tortoise_config
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.handlers.identity_providers import (
    add_provider,
    all_providers,
    change_provider,
    one_provider,
    remove_provider,
)

CLI = Principal(kind="service", id="cli", role=Role.ADMIN)
WRITES: dict[type, Any] = {
    CreateIdentityProvider: add_provider,
    UpdateIdentityProvider: change_provider,
    DeleteIdentityProvider: remove_provider,
}
READS: dict[type, Any] = {GetIdentityProvider: one_provider, ListIdentityProviders: all_providers}


async def run(settings: Settings, command: Any) -> dict:
    """Raises DomainError when refused (NOT_FOUND, ALREADY_EXISTS, VALIDATION_ERROR)."""
    await Tortoise.init(config=tortoise_config(settings.database_url, pool_size=2))
    try:
        if type(command) in READS:
            return await READS[type(command)](settings, CLI, command)
        async with in_transaction() as connection:
            unit = UnitOfWork.outside_a_command(connection, CLI)
            return await WRITES[type(command)](settings, unit, command)
    finally:
        await Tortoise.close_connections()
