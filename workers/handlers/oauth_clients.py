"""oauth_client.*: registering and managing OpenID Connect clients (admins and services).

The work itself is in workers/repositories/oauth_clients.py, which `usersvc clients` runs
too. The replies that carry a client secret (create, rotate_secret, and an update that makes
a client confidential) are not idempotent: their message_id is not recorded, since the
record would keep the reply, secret included, in processed_commands. A redelivered one runs
again (another client, or another secret) rather than leave a secret at rest.
"""

from usersvc.domain.commands import (
    CreateOAuthClient,
    DeleteOAuthClient,
    GetOAuthClient,
    ListOAuthClients,
    RotateOAuthClientSecret,
    UpdateOAuthClient,
)
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.repositories.oauth_clients import (
    client_page,
    delete_client,
    find_client,
    register_client,
    rotate_client_secret,
    update_client,
)
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope


async def create_client(deps: WorkerDeps, envelope: CommandEnvelope[CreateOAuthClient]) -> dict:
    """Register a client; a confidential one's reply holds its secret, this once."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await register_client(deps.settings, uow, envelope.data))
    return uow.reply


async def get_client(deps: WorkerDeps, envelope: CommandEnvelope[GetOAuthClient]) -> dict:
    """One live client, never its secret."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()
        await uow.commit(await find_client(uow, envelope.data.client_id))
    return uow.reply


async def list_clients(deps: WorkerDeps, envelope: CommandEnvelope[ListOAuthClients]) -> dict:
    """A page of the live clients, newest first."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()
        await uow.commit(await client_page(uow, envelope.data))
    return uow.reply


async def update_oauth_client(deps: WorkerDeps, envelope: CommandEnvelope[UpdateOAuthClient]) -> dict:
    """Change some fields; made confidential, a client gets a secret in this reply only."""
    gets_secret = envelope.data.type == "confidential"
    async with deps.unit_of_work(envelope, idempotent=not gets_secret) as uow:
        await uow.begin()
        await uow.commit(await update_client(deps.settings, uow, envelope.data))
    return uow.reply


async def rotate_secret(deps: WorkerDeps, envelope: CommandEnvelope[RotateOAuthClientSecret]) -> dict:
    """A new secret for a confidential client, in the reply only; the old one stops working."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await rotate_client_secret(deps.settings, uow, envelope.data))
    return uow.reply


async def delete_oauth_client(deps: WorkerDeps, envelope: CommandEnvelope[DeleteOAuthClient]) -> dict:
    """Delete a client: its grants' sessions end, its consents go, in one transaction."""
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        await delete_client(uow, envelope.data)
        await uow.commit(None)
    return uow.reply


HANDLERS: Handlers = {
    CreateOAuthClient: create_client,
    GetOAuthClient: get_client,
    ListOAuthClients: list_clients,
    UpdateOAuthClient: update_oauth_client,
    RotateOAuthClientSecret: rotate_secret,
    DeleteOAuthClient: delete_oauth_client,
}
