"""identity_provider.* commands: the providers people may sign in with, kept by admins (and
by `usersvc providers`, which runs the same work: workers/provider_admin.py)."""

import uuid
from functools import partial

from tortoise.exceptions import IntegrityError

from usersvc.domain import rbac
from usersvc.domain.errors import DomainError, ErrorCode, validation_error
from usersvc.domain.identity_providers import (
    DEFAULT_SCOPES,
    ClaimMapping,
    CreateIdentityProvider,
    DeleteIdentityProvider,
    GetIdentityProvider,
    ListIdentityProviders,
    UpdateIdentityProvider,
)
from usersvc.domain.rbac import Principal, Role
from usersvc.settings import Settings
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.execution import CommandEnvelope, UnitOfWork, execute_query, execute_write
from usersvc.workers.identity_brokering import provider_box, provider_not_found, provider_view, start_url
from usersvc.workers.models import IdentityProvider, UserIdentity
from usersvc.workers.routing import Handlers

ENTITY = "identity_provider"


async def _record(unit: UnitOfWork, action: str, old: dict | None, new: dict | None, slug: str) -> None:
    await unit.record(action=action, entity_type=ENTITY, entity_id=slug, old=old, new=new)


async def add_provider(settings: Settings, unit: UnitOfWork, command: CreateIdentityProvider) -> dict:
    rbac.require_role(unit.principal, Role.ADMIN)
    if await IdentityProvider.filter(slug=command.slug).using_db(unit.connection).exists():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "An identity provider with this slug exists")
    provider = IdentityProvider(
        id=uuid.uuid4(),
        slug=command.slug,
        name=command.name,
        kind=command.kind,
        issuer=command.issuer if command.kind == "oidc" else None,
        authorization_endpoint=command.authorization_endpoint,
        token_endpoint=command.token_endpoint,
        userinfo_endpoint=command.userinfo_endpoint,
        client_id=command.client_id,
        client_secret_sealed=provider_box(settings.secret_key).seal(command.client_secret.encode()),
        scopes=command.scopes if command.scopes is not None else list(DEFAULT_SCOPES[command.kind]),
        claims=(command.claims or ClaimMapping()).model_dump(),
        creates_accounts=command.creates_accounts,
        trusts_email_verified=command.trusts_email_verified,
        enabled=command.enabled,
    )
    try:
        await provider.save(using_db=unit.connection, force_create=True)
    except IntegrityError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "An identity provider with this slug exists") from None
    view = provider_view(provider, settings)
    await _record(unit, "identity_provider.create", None, view, provider.slug)
    return view


async def create_provider(deps: WorkerDeps, envelope: CommandEnvelope[CreateIdentityProvider]) -> dict:
    return await execute_write(deps, envelope, work=partial(add_provider, deps.settings))


async def _locked(unit: UnitOfWork, slug: str) -> IdentityProvider:
    provider = await IdentityProvider.filter(slug=slug).select_for_update().using_db(unit.connection).first()
    if provider is None:
        raise provider_not_found()
    return provider


async def change_provider(settings: Settings, unit: UnitOfWork, command: UpdateIdentityProvider) -> dict:
    rbac.require_role(unit.principal, Role.ADMIN)
    provider = await _locked(unit, command.slug)
    old = provider_view(provider, settings)
    changes = command.model_dump(exclude={"slug", "client_secret"}, exclude_unset=True)
    if "claims" in changes:
        changes["claims"] = ClaimMapping.model_validate(changes["claims"]).model_dump()
    for name, value in changes.items():
        if value is None and name in ("name", "client_id", "scopes", "claims", "creates_accounts", "enabled"):
            raise validation_error(name, "may not be null")
        if value is None and name == "trusts_email_verified":
            raise validation_error(name, "may not be null")
        setattr(provider, name, value)
    if provider.kind == "oidc" and not provider.issuer:
        raise validation_error("issuer", "an oidc provider needs issuer")
    if provider.kind == "oauth2" and not (
        provider.authorization_endpoint and provider.token_endpoint and provider.userinfo_endpoint
    ):
        raise validation_error("userinfo_endpoint", "an oauth2 provider needs its three endpoints")
    fields = list(changes)
    if command.client_secret is not None:
        provider.client_secret_sealed = provider_box(settings.secret_key).seal(command.client_secret.encode())
        fields.append("client_secret_sealed")
    if fields:
        await provider.save(update_fields=[*fields, "updated_at"], using_db=unit.connection)
    new = provider_view(provider, settings)
    audit_new = {**new, "client_secret_changed": command.client_secret is not None}
    await _record(unit, "identity_provider.update", old, audit_new, provider.slug)
    return new


async def update_provider(deps: WorkerDeps, envelope: CommandEnvelope[UpdateIdentityProvider]) -> dict:
    return await execute_write(deps, envelope, work=partial(change_provider, deps.settings))


async def remove_provider(settings: Settings, unit: UnitOfWork, command: DeleteIdentityProvider) -> dict:
    rbac.require_role(unit.principal, Role.ADMIN)
    provider = await _locked(unit, command.slug)
    old = provider_view(provider, settings)
    linked = await UserIdentity.filter(provider_id=provider.id).using_db(unit.connection).count()
    await provider.delete(using_db=unit.connection)  # its identities and pending sign-ins go with it
    await _record(unit, "identity_provider.delete", old, {"identities_removed": linked}, provider.slug)
    return {}


async def delete_provider(deps: WorkerDeps, envelope: CommandEnvelope[DeleteIdentityProvider]) -> dict:
    return await execute_write(deps, envelope, work=partial(remove_provider, deps.settings))


async def one_provider(settings: Settings, principal: Principal, command: GetIdentityProvider) -> dict:
    rbac.require_role(principal, Role.ADMIN)
    provider = await IdentityProvider.filter(slug=command.slug).first()
    if provider is None:
        raise provider_not_found()
    return provider_view(provider, settings)


async def get_provider(deps: WorkerDeps, envelope: CommandEnvelope[GetIdentityProvider]) -> dict:
    return await execute_query(envelope, partial(one_provider, deps.settings))


async def all_providers(settings: Settings, principal: Principal, command: ListIdentityProviders) -> dict:
    if command.public:
        providers = await IdentityProvider.filter(enabled=True).order_by("name", "slug")
        return {"data": [{"slug": p.slug, "name": p.name, "start_url": start_url(settings, p.slug)} for p in providers]}
    rbac.require_role(principal, Role.ADMIN)
    providers = await IdentityProvider.all().order_by("name", "slug")
    return {"data": [provider_view(provider, settings) for provider in providers]}


async def list_providers(deps: WorkerDeps, envelope: CommandEnvelope[ListIdentityProviders]) -> dict:
    return await execute_query(envelope, partial(all_providers, deps.settings))


HANDLERS: Handlers = {
    CreateIdentityProvider: create_provider,
    UpdateIdentityProvider: update_provider,
    DeleteIdentityProvider: delete_provider,
    GetIdentityProvider: get_provider,
    ListIdentityProviders: list_providers,
}
