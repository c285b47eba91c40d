"""Sign in with another provider (docs/identity-providers.md): the providers, their
sign-ins (state, then login code, as digests) and the identities linked to users; with the
work of the identity_provider.* commands, shared by their handlers
(workers/handlers/identity_providers.py) and `usersvc providers` (workers/provider_admin.py)."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

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
from usersvc.workers.identity_brokering import provider_box, provider_not_found, provider_view, start_url
from usersvc.workers.models import IdentityProvider, OAuthClient, ProviderSignIn, UserIdentity
from usersvc.workers.repositories.base import Repository

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork

ENTITY = "identity_provider"
SLUG_MAX_LENGTH = 40  # the slug column's length (workers/models.py)


class IdentitiesRepository(Repository):
    # --- providers ------------------------------------------------------------------------

    async def provider(self, slug: str, *, enabled: bool = False, lock: bool = False) -> IdentityProvider | None:
        if len(slug) > SLUG_MAX_LENGTH:  # names none; Tortoise would refuse the filter value itself
            return None
        query = IdentityProvider.filter(slug=slug, **({"enabled": True} if enabled else {}))
        if lock:
            query = query.select_for_update()
        return await query.using_db(self._db).first()

    async def provider_by_id(self, provider_id: uuid.UUID) -> IdentityProvider:
        return await IdentityProvider.filter(id=provider_id).using_db(self._db).get()

    async def providers(self, *, enabled: bool = False) -> list[IdentityProvider]:
        query = IdentityProvider.filter(enabled=True) if enabled else IdentityProvider.all()
        return await query.order_by("name", "slug").using_db(self._db)

    async def add_provider(self, provider: IdentityProvider) -> None:
        try:
            await provider.save(using_db=self._db, force_create=True)
        except IntegrityError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "An identity provider with this slug exists") from None

    async def update_provider(self, provider: IdentityProvider, fields: list[str]) -> None:
        await provider.save(update_fields=[*fields, "updated_at"], using_db=self._db)

    async def delete_provider(self, provider: IdentityProvider) -> int:
        """Its identities and pending sign-ins go with it; how many identities went."""
        linked = await UserIdentity.filter(provider_id=provider.id).using_db(self._db).count()
        await provider.delete(using_db=self._db)
        return linked

    async def is_client_redirect_uri(self, uri: str) -> bool:
        return await OAuthClient.filter(deleted_at=None, redirect_uris__contains=[uri]).using_db(self._db).exists()

    # --- sign-ins -------------------------------------------------------------------------

    async def add_sign_in(self, sign_in: ProviderSignIn, *, now: datetime) -> None:
        """Sign-ins never finished go first, so none piles up without a pruning job."""
        await ProviderSignIn.filter(expires_at__lt=now).using_db(self._db).delete()
        await sign_in.save(using_db=self._db, force_create=True)

    async def lock_sign_in(
        self, *, state_hash: str | None = None, login_code_hash: str | None = None
    ) -> ProviderSignIn | None:
        filters = {"state_hash": state_hash} if state_hash else {"login_code_hash": login_code_hash}
        return await ProviderSignIn.filter(**filters).select_for_update().using_db(self._db).first()

    async def sign_in_by_code(self, login_code_hash: str) -> ProviderSignIn | None:
        return await ProviderSignIn.filter(login_code_hash=login_code_hash).using_db(self._db).first()

    async def update_sign_in(self, sign_in: ProviderSignIn, fields: list[str]) -> None:
        await sign_in.save(update_fields=fields, using_db=self._db)

    # --- linked identities ----------------------------------------------------------------

    async def lock_identity(self, provider_id: uuid.UUID, subject: str | None) -> UserIdentity | None:
        query = UserIdentity.filter(provider_id=provider_id, subject=subject).select_for_update()
        return await query.using_db(self._db).first()

    async def add_identity(self, identity: UserIdentity) -> None:
        await identity.save(using_db=self._db, force_create=True)

    async def update_identity(self, identity: UserIdentity, fields: list[str]) -> None:
        await identity.save(update_fields=fields, using_db=self._db)

    async def identities_of(self, user_id: uuid.UUID) -> list[tuple[UserIdentity, str]]:
        """The user's identities, oldest first, each with its provider's slug."""
        identities = await UserIdentity.filter(user_id=user_id).order_by("linked_at").using_db(self._db)
        slugs = dict(
            await IdentityProvider.filter(id__in=[i.provider_id for i in identities])
            .using_db(self._db)
            .values_list("id", "slug")
        )
        return [(identity, slugs[identity.provider_id]) for identity in identities]

    async def delete_identity(self, identity: UserIdentity) -> None:
        await identity.delete(using_db=self._db)


# --- the work of identity_provider.* -------------------------------------------------------


def _record(unit: "UnitOfWork", action: str, old: dict | None, new: dict | None, slug: str) -> None:
    unit.record(action=action, entity_type=ENTITY, entity_id=slug, old=old, new=new)


async def _locked(unit: "UnitOfWork", slug: str) -> IdentityProvider:
    provider = await unit.identities.provider(slug, lock=True)
    if provider is None:
        raise provider_not_found()
    return provider


async def add_provider(settings: Settings, unit: "UnitOfWork", command: CreateIdentityProvider) -> dict:
    rbac.require_role(unit.principal, Role.ADMIN)
    if await unit.identities.provider(command.slug) is not None:
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
        trusts_amr_second_factor=command.trusts_amr_second_factor,
        enabled=command.enabled,
        created_at=unit.now,
        updated_at=unit.now,
    )
    await unit.identities.add_provider(provider)
    view = provider_view(provider, settings)
    _record(unit, "identity_provider.create", None, view, provider.slug)
    return view


NOT_NULL = (
    "name",
    "client_id",
    "scopes",
    "claims",
    "creates_accounts",
    "trusts_email_verified",
    "trusts_amr_second_factor",
    "enabled",
)


async def change_provider(settings: Settings, unit: "UnitOfWork", command: UpdateIdentityProvider) -> dict:
    rbac.require_role(unit.principal, Role.ADMIN)
    provider = await _locked(unit, command.slug)
    old = provider_view(provider, settings)
    changes = command.model_dump(exclude={"slug", "client_secret"}, exclude_unset=True)
    if "claims" in changes and changes["claims"] is not None:
        changes["claims"] = ClaimMapping.model_validate(changes["claims"]).model_dump()
    for name, value in changes.items():
        if value is None and name in NOT_NULL:
            raise validation_error(name, "may not be null")
        setattr(provider, name, value)
    if provider.kind == "oidc" and not provider.issuer:
        raise validation_error("issuer", "an oidc provider needs issuer")
    if provider.kind == "oauth2" and not (
        provider.authorization_endpoint and provider.token_endpoint and provider.userinfo_endpoint
    ):
        raise validation_error("userinfo_endpoint", "an oauth2 provider needs its three endpoints")
    if provider.kind == "oauth2" and provider.trusts_amr_second_factor:
        raise validation_error("trusts_amr_second_factor", "an oauth2 provider sends no ID token, so no amr")
    fields = list(changes)
    if command.client_secret is not None:
        provider.client_secret_sealed = provider_box(settings.secret_key).seal(command.client_secret.encode())
        fields.append("client_secret_sealed")
    provider.updated_at = unit.now
    if fields:
        await unit.identities.update_provider(provider, fields)
    new = provider_view(provider, settings)
    _record(
        unit,
        "identity_provider.update",
        old,
        {**new, "client_secret_changed": command.client_secret is not None},
        provider.slug,
    )
    return new


async def remove_provider(settings: Settings, unit: "UnitOfWork", command: DeleteIdentityProvider) -> None:
    rbac.require_role(unit.principal, Role.ADMIN)
    provider = await _locked(unit, command.slug)
    old = provider_view(provider, settings)
    removed = await unit.identities.delete_provider(provider)
    _record(unit, "identity_provider.delete", old, {"identities_removed": removed}, provider.slug)


async def one_provider(
    settings: Settings, unit: "UnitOfWork", principal: Principal, command: GetIdentityProvider
) -> dict:
    rbac.require_role(principal, Role.ADMIN)
    provider = await unit.identities.provider(command.slug)
    if provider is None:
        raise provider_not_found()
    return provider_view(provider, settings)


async def all_providers(
    settings: Settings, unit: "UnitOfWork", principal: Principal, command: ListIdentityProviders
) -> dict:
    """Admins: every provider. Anyone (public): the enabled ones' slug, name and start URL."""
    if command.public:
        offered = await unit.identities.providers(enabled=True)
        return {"data": [{"slug": p.slug, "name": p.name, "start_url": start_url(settings, p.slug)} for p in offered]}
    rbac.require_role(principal, Role.ADMIN)
    return {"data": [provider_view(provider, settings) for provider in await unit.identities.providers()]}
