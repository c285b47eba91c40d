"""OpenID Connect clients in the database: the work of the oauth_client.* commands, shared
by their handlers (workers/handlers/oauth_clients.py) and `usersvc clients`
(workers/client_admin.py), so both keep the same rules, audit rows and events.

A secret is made here, returned once and stored only as a keyed digest
(domain/oauth.py `ClientSecretDigester`); neither ever reaches an audit row or an event.
"""

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
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import OAuthClientView, iso_utc, page_of
from usersvc.settings import Settings
from usersvc.workers.execution import UnitOfWork
from usersvc.workers.models import OAuthClient, OAuthCode, OAuthConsent, UserSession
from usersvc.workers.repositories.sessions import revoke_session

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


async def _record(
    unit: UnitOfWork, client_id: str, *, action: str, old: dict | None, new: dict, event_data: dict | None = None
) -> None:
    """The audit row and the event of a client change (`oauth_client.<done>`), never the
    secret or its digest: `new` and `event_data` are views or plain facts."""
    event = "oauth_client." + EVENT_OF[action]
    await unit.record(
        action=f"oauth_client.{action}",
        entity_type=ENTITY,
        entity_id=client_id,
        old=old,
        new=new,
        event=event,
        event_data=event_data,
    )


async def _locked_client(unit: UnitOfWork, client_id: str) -> OAuthClient:
    client = (
        await OAuthClient.filter(client_id=client_id, deleted_at=None)
        .select_for_update()
        .using_db(unit.connection)
        .first()
    )
    if client is None:
        raise client_not_found()
    return client


async def register_client(settings: Settings, unit: UnitOfWork, command: CreateOAuthClient) -> dict:
    """The client, with `client_secret` when it is confidential (this reply only)."""
    rbac.require_role(unit.principal, Role.ADMIN)
    fields = command.model_dump()
    check_registration(fields, development=_development(settings))
    client = OAuthClient(client_id=new_client_id(), **fields, created_at=unit.now, updated_at=unit.now)
    secret = _new_secret(settings, client) if command.type == "confidential" else None
    await client.save(using_db=unit.connection, force_create=True)
    view = client_view(client)
    await _record(unit, client.client_id, action="create", old=None, new=view)
    return view if secret is None else {**view, "client_secret": secret}


async def update_client(settings: Settings, unit: UnitOfWork, command: UpdateOAuthClient) -> dict:
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
    await unit.save(client, saved)
    new = client_view(client)
    await _record(unit, client.client_id, action="update", old=old, new=new)
    return new if secret is None else {**new, "client_secret": secret}


async def rotate_client_secret(settings: Settings, unit: UnitOfWork, command: RotateOAuthClientSecret) -> dict:
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
    await unit.save(client, ["secret_digest"])
    rotated = {"client_id": client.client_id, "secret_rotated_at": iso_utc(unit.now)}
    await _record(unit, client.client_id, action="rotate_secret", old=None, new=rotated)
    return {"client_secret": secret}


async def delete_client(unit: UnitOfWork, command: DeleteOAuthClient) -> None:
    """Soft delete, and in the same transaction: every live session of the client revoked
    (tombstoned in the cache after commit, so the edge refuses its tokens at once), its
    consents withdrawn and its unspent codes dropped; the secret's digest goes too."""
    rbac.require_role(unit.principal, Role.ADMIN)
    client = await _locked_client(unit, command.client_id)
    old = client_view(client)
    client.deleted_at, client.secret_digest = unit.now, None
    await unit.save(client, ["deleted_at", "secret_digest"])
    sessions = (
        await UserSession.filter(client_id=client.client_id, revoked_at=None)
        .select_for_update()
        .using_db(unit.connection)
    )
    for session in sessions:
        await revoke_session(unit, session)
    await OAuthConsent.filter(client_id=client.client_id).using_db(unit.connection).delete()
    await OAuthCode.filter(client_id=client.client_id, used_at=None).using_db(unit.connection).delete()
    deleted = {"deleted_at": iso_utc(unit.now), "sessions_revoked": len(sessions)}
    await _record(unit, client.client_id, action="delete", old=old, new=deleted, event_data={**old, "deleted": True})
    return None


async def find_client(principal: Principal, client_id: str) -> dict:
    rbac.require_role(principal, Role.ADMIN)
    client = await OAuthClient.filter(client_id=client_id, deleted_at=None).first()
    if client is None:
        raise client_not_found()
    return client_view(client)


async def client_page(principal: Principal, command: ListOAuthClients) -> dict:
    """Live clients, newest first (client_id breaks ties, so pages never overlap)."""
    rbac.require_role(principal, Role.ADMIN)
    live = OAuthClient.filter(deleted_at=None)
    total = await live.count()
    offset = (command.page - 1) * command.page_size
    clients = await live.order_by("-created_at", "-client_id").offset(offset).limit(command.page_size)
    return page_of(
        [client_view(client) for client in clients], page=command.page, page_size=command.page_size, total_items=total
    )
