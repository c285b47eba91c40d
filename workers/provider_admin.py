"""`usersvc providers …`: identity providers kept from the command line, through the work of
the identity_provider.* commands themselves (workers/repositories/identities.py): the same
rules and audit rows, by the service `usersvc-cli`. It connects as the runtime role
(DATABASE_URL), as `usersvc clients` does."""

from usersvc.domain.identity_providers import (
    CreateIdentityProvider,
    DeleteIdentityProvider,
    GetIdentityProvider,
    ListIdentityProviders,
    UpdateIdentityProvider,
)
from usersvc.domain.rbac import Principal, Role
from usersvc.settings import Settings
from usersvc.workers.db import connected
from usersvc.workers.repositories.identities import (
    add_provider,
    all_providers,
    change_provider,
    one_provider,
    remove_provider,
)
from usersvc.workers.unit_of_work import outside_a_command, reading

CLI = Principal(kind="service", id="usersvc-cli", role=Role.ADMIN)
Command = (
    CreateIdentityProvider
    | UpdateIdentityProvider
    | DeleteIdentityProvider
    | GetIdentityProvider
    | ListIdentityProviders
)


async def run(settings: Settings, command: Command) -> dict:
    """Raises DomainError when refused (NOT_FOUND, ALREADY_EXISTS, VALIDATION_ERROR)."""
    async with connected(settings.database_url):
        if isinstance(command, GetIdentityProvider):
            return await one_provider(settings, reading(settings), CLI, command)
        if isinstance(command, ListIdentityProviders):
            return await all_providers(settings, reading(settings), CLI, command)
        async with outside_a_command(settings, CLI) as unit:
            if isinstance(command, CreateIdentityProvider):
                return await add_provider(settings, unit, command)
            if isinstance(command, UpdateIdentityProvider):
                return await change_provider(settings, unit, command)
            await remove_provider(settings, unit, command)
            return {}
