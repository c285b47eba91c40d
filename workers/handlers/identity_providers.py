"""identity_provider.* commands: the providers people may sign in with, kept by admins (the
work is in workers/repositories/identities.py, which `usersvc providers` runs too)."""

from usersvc.domain.identity_providers import (
    CreateIdentityProvider,
    DeleteIdentityProvider,
    GetIdentityProvider,
    ListIdentityProviders,
    UpdateIdentityProvider,
)
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.repositories.identities import (
    add_provider,
    all_providers,
    change_provider,
    one_provider,
    remove_provider,
)
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


async def create_provider(deps: WorkerDeps, envelope: CommandEnvelope[CreateIdentityProvider]) -> dict:
    """Add a provider; its client secret is sealed and never answered."""
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        await uow.commit(await add_provider(deps.settings, uow, envelope.data))
    return uow.reply


async def update_provider(deps: WorkerDeps, envelope: CommandEnvelope[UpdateIdentityProvider]) -> dict:
    """Change some of a provider's settings (a new client secret replaces the sealed one)."""
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        await uow.commit(await change_provider(deps.settings, uow, envelope.data))
    return uow.reply


async def delete_provider(deps: WorkerDeps, envelope: CommandEnvelope[DeleteIdentityProvider]) -> dict:
    """Remove a provider and the identities linked through it."""
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        await remove_provider(deps.settings, uow, envelope.data)
        await uow.commit({})
    return uow.reply


async def get_provider(deps: WorkerDeps, envelope: CommandEnvelope[GetIdentityProvider]) -> dict:
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        await uow.commit(await one_provider(deps.settings, uow, principal, envelope.data))
    return uow.reply


async def list_providers(deps: WorkerDeps, envelope: CommandEnvelope[ListIdentityProviders]) -> dict:
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        await uow.commit(await all_providers(deps.settings, uow, principal, envelope.data))
    return uow.reply


HANDLERS: Handlers = {
    CreateIdentityProvider: create_provider,
    UpdateIdentityProvider: update_provider,
    DeleteIdentityProvider: delete_provider,
    GetIdentityProvider: get_provider,
    ListIdentityProviders: list_providers,
}
