"""OpenID Connect clients in the database: the work of the oauth_client.* commands, shared
by their handlers (workers/handlers/oauth_clients.py) and `usersvc clients`
(workers/client_admin.py), so both keep the same rules, audit rows and events.

A secret is made here, returned once and stored only as a keyed digest
(domain/oauth.py `ClientSecretDigester`); neither ever reaches an audit row or an event.
"""

from typing import TYPE_CHECKING

from usersvc.domain import rbac
from usersvc.domain.commands import (
    CreateOAuthClient,
    DeleteOAuthClient,
    ListOAuthClients,
    RotateOAuthClientSecret,
    UpdateOAuthClient,
)
from usersvc.domain.errors import DomainError, ErrorCode, FieldError
from usersvc.domain.oauth import ClientSecretDigester, new_client_id, new_client_secret
from usersvc.domain.oauth_clients import check_registration
from usersvc.domain.rbac import Role
from usersvc.domain.replies import OAuthClientView, iso_utc, page_of
from usersvc.domain.session_commands import EndReason
from usersvc.settings import Settings
from usersvc.workers.models import OAuthClient
from usersvc.workers.repositories.oauth import end_grants

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork

ENTITY = "oauth_client"
EVENT_OF = {"create": "created", "update": "updated", "rotate_secret": "secret_rotated", "delete": "deleted"}


def client_view(client: OAuthClient) -> dict:
    return OAuthClientView.model_validate(client).model_dump(mode="json")


def client_not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "OAuth client not found")


def _development(settings: Settings) -> bool:
    return settings.environment == "development"


def _new_secret(settings: Settings, client: OAuthClient) -> str:
    secret = new_client_secret()
    client.secret_digest = ClientSecretDigester(settings.secret_key).digest(secret)
    return secret


def _record(
    unit: "UnitOfWork", client_id: str, *, action: str, old: dict | None, new: dict, event_data: dict | None = None
) -> None:
    """The audit row and the event of a client change (`oauth_client.<done>`), never the
    secret or its digest: `new` and `event_data` are views or plain facts."""
    event = "oauth_client." + EVENT_OF[action]
    unit.record(
        action=f"oauth_client.{action}",
        entity_type=ENTITY,
        entity_id=client_id,
        old=old,
        new=new,
        event=event,
        event_data=event_data,
    )


async def _locked_client(unit: "UnitOfWork", client_id: str) -> OAuthClient:
    client = await unit.oauth.lock_client(client_id)
    if client is None:
        raise client_not_found()
    return client


async def register_client(settings: Settings, unit: "UnitOfWork", command: CreateOAuthClient) -> dict:
    """The client, with `client_secret` when it is confidential (this reply only)."""
    rbac.require_role(unit.principal, Role.ADMIN)
    fields = command.model_dump()
    check_registration(fields, development=_development(settings))
    client = OAuthClient(client_id=new_client_id(), **fields, created_at=unit.now, updated_at=unit.now)
    secret = _new_secret(settings, client) if command.type == "confidential" else None
    await unit.oauth.add_client(client)
    view = client_view(client)
    _record(unit, client.client_id, action="create", old=None, new=view)
    return view if secret is None else {**view, "client_secret": secret}


async def update_client(settings: Settings, unit: "UnitOfWork", command: UpdateOAuthClient) -> dict:
    """The changed client; a public client made confidential gets a secret (in this reply
    only), a confidential one made public loses its secret."""
    rbac.require_role(unit.principal, Role.ADMIN)
    client = await _locked_client(unit, command.client_id)
    old = client_view(client)
    changes = {name: value for name, value in command.changes().items() if old[name] != value}
    if not changes:
        return old
    check_registration({**old, **changes}, development=_development(settings))
    client.update_from_dict(changes)
    saved, secret = list(changes), None
    if "type" in changes:
        saved.append("secret_digest")
        if client.type == "confidential":
            secret = _new_secret(settings, client)
        else:
            client.secret_digest = None
    await unit.oauth.update_client(client, saved)
    new = client_view(client)
    _record(unit, client.client_id, action="update", old=old, new=new)
    return new if secret is None else {**new, "client_secret": secret}


async def rotate_client_secret(settings: Settings, unit: "UnitOfWork", command: RotateOAuthClientSecret) -> dict:
    """A new secret, in the reply only; the old digest is overwritten, so the old secret stops
    working when this commits."""
    rbac.require_role(unit.principal, Role.ADMIN)
    client = await _locked_client(unit, command.client_id)
    if client.type != "confidential":
        raise DomainError(
            ErrorCode.VALIDATION_ERROR,
            "A public client has no secret",
            [FieldError(field="client_id", message="names a public client, which has no secret")],
        )
    secret = _new_secret(settings, client)
    await unit.oauth.update_client(client, ["secret_digest"])
    rotated = {"client_id": client.client_id, "secret_rotated_at": iso_utc(unit.now)}
    _record(unit, client.client_id, action="rotate_secret", old=None, new=rotated)
    return {"client_secret": secret}


async def delete_client(unit: "UnitOfWork", command: DeleteOAuthClient) -> None:
    """Soft delete, and in the same transaction: every live session of the client revoked
    (tombstoned in the cache after commit, so the edge refuses its tokens at once), its
    consents withdrawn and its unspent codes dropped; the secret's digest goes too."""
    rbac.require_role(unit.principal, Role.ADMIN)
    client = await _locked_client(unit, command.client_id)
    old = client_view(client)
    client.deleted_at, client.secret_digest = unit.now, None
    await unit.oauth.update_client(client, ["deleted_at", "secret_digest"])
    revoked = await end_grants(unit, reason=EndReason.REVOKED, client_id=client.client_id)
    await unit.oauth.delete_consents_of_client(client.client_id)
    await unit.oauth.drop_unspent_codes_of(client.client_id)
    deleted = {"deleted_at": iso_utc(unit.now), "sessions_revoked": revoked}
    _record(unit, client.client_id, action="delete", old=old, new=deleted, event_data={**old, "deleted": True})
    return None


async def find_client(unit: "UnitOfWork", client_id: str) -> dict:
    rbac.require_role(unit.principal, Role.ADMIN)
    client = await unit.oauth.client(client_id)
    if client is None:
        raise client_not_found()
    return client_view(client)


async def client_page(unit: "UnitOfWork", command: ListOAuthClients) -> dict:
    """Live clients, newest first."""
    rbac.require_role(unit.principal, Role.ADMIN)
    clients, total = await unit.oauth.client_page(page=command.page, page_size=command.page_size)
    return page_of(
        [client_view(client) for client in clients], page=command.page, page_size=command.page_size, total_items=total
    )
