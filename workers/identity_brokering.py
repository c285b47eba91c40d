"""What the identity-provider handlers share (workers/handlers/identity_providers.py and
identities.py): the provider's public view, its sealed secret, the URLs the edge serves
for it, and the linked identity's view and audit trail."""

from typing import TYPE_CHECKING, Any

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.identity_providers import ClaimMapping
from usersvc.domain.replies import iso_utc
from usersvc.secret_box import SecretBox
from usersvc.settings import Settings
from usersvc.workers.models import IdentityProvider, UserIdentity

if TYPE_CHECKING:
    from usersvc.workers.unit_of_work import UnitOfWork


def provider_box(secret_key: str) -> SecretBox:
    """Client secrets and PKCE verifiers of identity providers: a purpose of their own."""
    return SecretBox(secret_key, purpose="identity-provider")


def callback_url(settings: Settings, slug: str) -> str:
    return f"{settings.public_url.rstrip('/')}/v1/auth/providers/{slug}/callback"


def start_url(settings: Settings, slug: str) -> str:
    return f"{settings.public_url.rstrip('/')}/v1/auth/providers/{slug}/start"


def provider_view(provider: IdentityProvider, settings: Settings) -> dict:
    return {
        "slug": provider.slug,
        "name": provider.name,
        "kind": provider.kind,
        "issuer": provider.issuer,
        "authorization_endpoint": provider.authorization_endpoint,
        "token_endpoint": provider.token_endpoint,
        "userinfo_endpoint": provider.userinfo_endpoint,
        "client_id": provider.client_id,
        "scopes": list(provider.scopes),
        "claims": ClaimMapping.model_validate(provider.claims).model_dump(),
        "creates_accounts": provider.creates_accounts,
        "trusts_email_verified": provider.trusts_email_verified,
        "trusts_amr_second_factor": provider.trusts_amr_second_factor,
        "enabled": provider.enabled,
        "callback_url": callback_url(settings, provider.slug),
        "created_at": iso_utc(provider.created_at),
        "updated_at": iso_utc(provider.updated_at),
    }


def provider_not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "Identity provider not found")


def identity_view(identity: UserIdentity, provider_slug: str) -> dict:
    return {
        "id": str(identity.id),
        "provider": provider_slug,
        "subject": identity.subject,
        "email": identity.email,
        "linked_at": iso_utc(identity.linked_at),
    }


def record_identity(unit: "UnitOfWork", identity: UserIdentity, provider_slug: str, *, linked: bool) -> None:
    """The audit row (on the user) and user.identity_linked / user.identity_unlinked."""
    view = {**identity_view(identity, provider_slug), "user_id": str(identity.user_id)}
    unit.record(
        action="identity.link" if linked else "identity.unlink",
        entity_id=str(identity.user_id),
        old=None if linked else view,
        new=view if linked else None,
        event="user.identity_linked" if linked else "user.identity_unlinked",
        event_data=view,
    )


def claim(values: dict[str, Any], name: str | None) -> Any:
    """A claim by a dotted name (`address.email`), or None."""
    if not name:
        return None
    value: Any = values
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
