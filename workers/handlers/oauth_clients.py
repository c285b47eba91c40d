"""oauth_client.*: registering and managing OpenID Connect clients (admins and services).

The work itself is in workers/repositories/oauth_clients.py, which `usersvc clients` runs
too. The replies that carry a client secret (create, rotate_secret, and an update that makes
a client confidential) are not idempotent: their message_id is not recorded, since the
record would keep the reply, secret included, in processed_commands. A redelivered one runs
again (another client, or another secret) rather than leave a secret at rest.
"""

from functools import partial

from usersvc.domain.commands import (
    CreateOAuthClient,
    DeleteOAuthClient,
    GetOAuthClient,
    ListOAuthClients,
    RotateOAuthClientSecret,
    UpdateOAuthClient,
)
from usersvc.domain.rbac import Principal
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, execute_query, execute_write
from usersvc.workers.repositories.oauth_clients import (
    client_page,
    delete_client,
    find_client,
    register_client,
    rotate_client_secret,
    update_client,
)
from usersvc.workers.routing import Handlers


async def create_client(deps: WorkerDeps, envelope: CommandEnvelope[CreateOAuthClient]) -> dict:
    """Register a client; a confidential one's reply holds its secret, this once."""
    return await execute_write(deps, envelope, work=partial(register_client, deps.settings), idempotent=False)


async def get_client(deps: WorkerDeps, envelope: CommandEnvelope[GetOAuthClient]) -> dict:
    """One live client, never its secret."""

    async def work(principal: Principal, command: GetOAuthClient) -> dict:
        return await find_client(principal, command.client_id)

    return await execute_query(envelope, work)


async def list_clients(deps: WorkerDeps, envelope: CommandEnvelope[ListOAuthClients]) -> dict:
    """A page of the live clients, newest first."""
    return await execute_query(envelope, client_page)


async def update_oauth_client(deps: WorkerDeps, envelope: CommandEnvelope[UpdateOAuthClient]) -> dict:
    """Change some fields; made confidential, a client gets a secret in this reply only."""
    gets_secret = envelope.data.type == "confidential"
    return await execute_write(deps, envelope, work=partial(update_client, deps.settings), idempotent=not gets_secret)


async def rotate_secret(deps: WorkerDeps, envelope: CommandEnvelope[RotateOAuthClientSecret]) -> dict:
    """A new secret for a confidential client, in the reply only; the old one stops working."""
    return await execute_write(deps, envelope, work=partial(rotate_client_secret, deps.settings), idempotent=False)


async def delete_oauth_client(deps: WorkerDeps, envelope: CommandEnvelope[DeleteOAuthClient]) -> dict:
    """Delete a client: its grants' sessions end, its consents go, in one transaction."""
    return await execute_write(deps, envelope, work=delete_client)


HANDLERS: Handlers = {
    CreateOAuthClient: create_client,
    GetOAuthClient: get_client,
    ListOAuthClients: list_clients,
    UpdateOAuthClient: update_oauth_client,
    RotateOAuthClientSecret: rotate_secret,
    DeleteOAuthClient: delete_oauth_client,
}
