"""identity.* commands: signing in through another provider, and the identities linked to
an account (docs/identity-providers.md).

A sign-in is one row of provider_sign_ins: `identity.start` writes its state (digest), nonce
and PKCE verifier; `identity.callback` spends the state, asks the provider, checks what it
says and stores the identity it proved with a login code (digest, 60 s); `identity.exchange`
(or `identity.link`) spends the code. An identity links to an account by provider + subject
only: an address that matches an account is never enough by itself.
"""

import asyncio
import base64
import hashlib
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from usersvc.domain.errors import DomainError, ErrorCode
from usersvc.domain.identifiers import email_form
from usersvc.domain.identity_providers import (
    EXTERNAL_MFA_AMR,
    LOGIN_CODE_SECONDS,
    STATE_SECONDS,
    ClaimMapping,
    CompleteProviderSignIn,
    ExchangeLoginCode,
    LinkIdentity,
    ListIdentities,
    StartProviderSignIn,
    UnlinkIdentity,
    asserts_second_factor,
    provider_amr,
)
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.passwords import has_usable_password, unusable_password_hash
from usersvc.domain.rbac import Principal, Role
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.identity_brokering import (
    callback_url,
    claim,
    identity_view,
    provider_box,
    record_identity,
)
from usersvc.workers.mfa_login import start_mfa_challenge
from usersvc.workers.models import IdentityProvider, ProviderSignIn, User, UserIdentity
from usersvc.workers.repositories.sessions import open_session
from usersvc.workers.repositories.users import record_user_change
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope, RefuseAfterCommit, UnitOfWork
from usersvc.workers.upstream_providers import UpstreamError

USERNAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_]")
SIGN_IN_GONE = "This sign-in is unknown, used or expired. Start again."
CODE_GONE = "The login code is unknown, used or expired"


# --- start ---------------------------------------------------------------------------


async def _return_to_allowed(unit: UnitOfWork, return_to: str, public_url: str) -> bool:
    """On PUBLIC_URL's origin, or exactly a registered client's redirect URI."""
    try:
        target, public = urlsplit(return_to), urlsplit(public_url)
    except ValueError:
        return False
    if "\\" in return_to or any(ord(character) < 0x21 for character in return_to):
        return False
    if (target.scheme, target.netloc) == (public.scheme, public.netloc) and "@" not in target.netloc:
        return True
    return await unit.identities.is_client_redirect_uri(return_to)


async def _enabled_provider(unit: UnitOfWork, slug: str) -> IdentityProvider:
    provider = await unit.identities.provider(slug, enabled=True)
    if provider is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Identity provider not found")
    return provider


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def _start(deps: WorkerDeps, unit: UnitOfWork, command: StartProviderSignIn) -> dict:
    provider = await _enabled_provider(unit, command.slug)
    if not await _return_to_allowed(unit, command.return_to, deps.settings.public_url):
        raise DomainError(
            ErrorCode.MALFORMED_REQUEST,
            "return_to must be a URL on this service or a registered client's redirect URI",
        )
    endpoints = await deps.upstream.endpoints(provider)
    nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    sign_in = ProviderSignIn(
        state_hash=opaque_token_digest(command.state),
        provider_id=provider.id,
        browser_binding_hash=command.browser_binding_digest,
        nonce=nonce,
        code_verifier_sealed=provider_box(deps.settings.secret_key).seal(verifier.encode()),
        return_to=command.return_to,
        expires_at=unit.now + timedelta(seconds=STATE_SECONDS),
        created_at=unit.now,
    )
    await unit.identities.add_sign_in(sign_in, now=unit.now)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": callback_url(deps.settings, provider.slug),
        "scope": " ".join(provider.scopes),
        "state": command.state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
    }
    if provider.kind == "oidc":
        query["nonce"] = nonce
    separator = "&" if "?" in endpoints.authorization_endpoint else "?"
    return {"authorization_url": f"{endpoints.authorization_endpoint}{separator}{urlencode(query)}"}


async def start(deps: WorkerDeps, envelope: CommandEnvelope[StartProviderSignIn]) -> dict:
    """Remember a new sign-in; answer the provider's authorization URL."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await _start(deps, uow, envelope.data))
    return uow.reply


# --- callback ------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _profile(values: dict, mapping: ClaimMapping) -> tuple[str, dict]:
    subject = _text(claim(values, mapping.subject), 255)
    if subject is None:
        raise UpstreamError("The provider did not say who you are (no subject)")
    email = _text(claim(values, mapping.email), 254)
    return subject, {
        "email": email,
        "email_verified": _truthy(claim(values, mapping.email_verified)) if email else False,
        "username": _text(claim(values, mapping.username), 100),
        "first_name": _text(claim(values, mapping.first_name), 100),
        "last_name": _text(claim(values, mapping.last_name), 100),
    }


async def _proved_identity(
    deps: WorkerDeps, provider: IdentityProvider, sign_in: ProviderSignIn, code: str
) -> tuple[str, dict]:
    box = provider_box(deps.settings.secret_key)
    endpoints = await deps.upstream.endpoints(provider)
    answer = await deps.upstream.redeem_code(
        provider,
        endpoints,
        code=code,
        verifier=box.open(sign_in.code_verifier_sealed).decode(),
        secret=box.open(provider.client_secret_sealed).decode(),
        redirect_uri=callback_url(deps.settings, provider.slug),
    )
    mapping = ClaimMapping.model_validate(provider.claims)
    values: dict = {}
    if provider.kind == "oidc":
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise UpstreamError("The provider sent no ID token")
        values = await deps.upstream.id_token_claims(provider, endpoints, id_token, nonce=sign_in.nonce)
    # How the provider says it signed the user in: from the checked ID token only, never
    # from user info (an answer about the user, not about this sign-in).
    amr = provider_amr(values.get("amr")) if provider.kind == "oidc" else None
    if endpoints.userinfo_endpoint:
        info = await deps.upstream.user_info(endpoints.userinfo_endpoint, answer["access_token"])
        # OpenID Connect Core §5.3.2: user info about another subject is not this user's.
        if provider.kind == "oidc" and str(info.get("sub")) != str(values.get("sub")):
            raise UpstreamError("The provider's user info names another subject")
        values = {**info, **values} if provider.kind == "oidc" else info
    subject, profile = _profile(values, mapping)
    if amr is not None:
        profile["amr"] = amr
    return subject, profile


async def _complete(deps: WorkerDeps, unit: UnitOfWork, command: CompleteProviderSignIn) -> dict:
    sign_in = await unit.identities.lock_sign_in(state_hash=command.state_digest)
    provider = await unit.identities.provider(command.slug, enabled=True)
    if (
        sign_in is None
        or provider is None
        or sign_in.provider_id != provider.id
        or sign_in.state_used_at is not None
        or sign_in.expires_at <= unit.now
    ):
        raise DomainError(ErrorCode.INVALID_TOKEN, SIGN_IN_GONE)
    sign_in.state_used_at = unit.now  # spent whatever follows: a state is good for one callback
    await unit.identities.update_sign_in(sign_in, ["state_used_at"])
    if command.browser_binding_digest != sign_in.browser_binding_hash:
        raise RefuseAfterCommit(ErrorCode.FORBIDDEN, "This sign-in was started in another browser. Start again.")
    if command.error or not command.code:
        raise RefuseAfterCommit(ErrorCode.FORBIDDEN, f"{provider.name} did not sign you in.")
    try:
        subject, profile = await _proved_identity(deps, provider, sign_in, command.code)
    except UpstreamError as refusal:
        unit.record(
            action="identity.sign_in_refused",
            entity_type="identity_provider",
            entity_id=provider.slug,
            old=None,
            new={"reason": refusal.message},
        )
        raise RefuseAfterCommit(refusal.code, refusal.message) from None
    sign_in.subject, sign_in.profile = subject, profile
    sign_in.login_code_hash = command.login_code_digest
    sign_in.login_code_expires_at = unit.now + timedelta(seconds=LOGIN_CODE_SECONDS)
    await unit.identities.update_sign_in(sign_in, ["subject", "profile", "login_code_hash", "login_code_expires_at"])
    return {"return_to": sign_in.return_to}


async def complete(deps: WorkerDeps, envelope: CommandEnvelope[CompleteProviderSignIn]) -> dict:
    """The provider's callback; a state is spent even when what follows is refused."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await _complete(deps, uow, envelope.data))
    return uow.reply


# --- the login code: exchange, link ---------------------------------------------------


async def _pending(unit: UnitOfWork, digest: str) -> tuple[ProviderSignIn, IdentityProvider]:
    sign_in = await unit.identities.lock_sign_in(login_code_hash=digest)
    if (
        sign_in is None
        or sign_in.login_code_used_at is not None
        or sign_in.login_code_expires_at is None
        or sign_in.login_code_expires_at <= unit.now
    ):
        raise DomainError(ErrorCode.INVALID_TOKEN, CODE_GONE)
    return sign_in, await unit.identities.provider_by_id(sign_in.provider_id)


async def _spend(unit: UnitOfWork, sign_in: ProviderSignIn) -> None:
    sign_in.login_code_used_at = unit.now
    await unit.identities.update_sign_in(sign_in, ["login_code_used_at"])


async def _new_username(unit: UnitOfWork, wanted: str | None, email: str) -> str:
    base = USERNAME_CHARACTERS.sub("_", wanted or email.partition("@")[0])[:40].strip("_") or "user"
    base = base if len(base) >= 3 else f"{base}_user"
    candidate = base
    for _ in range(20):
        if not await unit.users.username_taken(candidate):
            return candidate
        candidate = f"{base[:40]}_{secrets.token_hex(3)}"
    raise DomainError(ErrorCode.USERNAME_TAKEN, "No free username could be made")


async def _link(unit: UnitOfWork, user: User, provider: IdentityProvider, sign_in: ProviderSignIn) -> UserIdentity:
    identity = UserIdentity(
        id=uuid.uuid4(),
        user_id=user.id,
        provider_id=provider.id,
        subject=sign_in.subject,
        email=(sign_in.profile or {}).get("email"),
        linked_at=unit.now,
        last_sign_in_at=unit.now,
    )
    await unit.identities.add_identity(identity)
    record_identity(unit, identity, provider.slug, linked=True)
    return identity


async def _new_account(unit: UnitOfWork, provider: IdentityProvider, sign_in: ProviderSignIn, email: str) -> User:
    profile = sign_in.profile or {}
    username = await _new_username(unit, profile.get("username"), email)
    user = User(
        id=uuid.uuid4(),
        username=username,
        email=email,
        # No password: one made up here would be a way in nobody chose (domain/passwords.py).
        password_hash=unusable_password_hash(secrets.token_hex(16)),
        first_name=profile.get("first_name") or username,
        last_name=profile.get("last_name") or "",
        role=Role.USER,
        email_verified=bool(provider.trusts_email_verified and profile.get("email_verified")),
        created_at=unit.now,
        updated_at=unit.now,
    )
    await unit.users.add(user)
    unit.principal = Principal(kind="user", id=str(user.id), role=Role.USER)
    record_user_change(unit, action="user.create", old=None, user=user, event="user.created")
    await _link(unit, user, provider, sign_in)
    return user


async def _linked_account(unit: UnitOfWork, provider: IdentityProvider, sign_in: ProviderSignIn) -> User | None:
    """The account this identity is linked to, its identity row brought up to date (a
    provider's new address is recorded, never acted on)."""
    identity = await unit.identities.lock_identity(provider.id, sign_in.subject)
    if identity is None:
        return None
    user = await unit.users.lock(user_id=identity.user_id, active=True)
    if user is None:
        raise DomainError(ErrorCode.FORBIDDEN, "The account of this identity is deactivated")
    email = (sign_in.profile or {}).get("email")
    identity.last_sign_in_at, identity.email = unit.now, email
    await unit.identities.update_identity(identity, ["last_sign_in_at", "email"])
    return user


def _email_of(sign_in: ProviderSignIn) -> str | None:
    email = (sign_in.profile or {}).get("email")
    if not email:
        return None
    try:
        return email_form(email)
    except ValueError:
        return None


async def _account_for_sign_in(
    unit: UnitOfWork, provider: IdentityProvider, sign_in: ProviderSignIn, *, registration_open: bool
) -> User:
    user = await _linked_account(unit, provider, sign_in)
    if user is not None:
        return user
    email = _email_of(sign_in)
    if email and await unit.users.email_taken(email):
        # Never a silent take-over by a matching address: the owner proves the account
        # (identity.link with its password, or its bearer). The code stays good for that.
        raise DomainError(
            ErrorCode.IDENTITY_LINK_REQUIRED,
            f"An account with this address exists: sign in to it to link your {provider.name} account",
        )
    if not provider.creates_accounts:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"No account is linked to this {provider.name} account, and {provider.name} may not create one",
        )
    if not registration_open:
        # The provider's creates_accounts is one rule, ALLOW_REGISTRATION the other: both open.
        raise DomainError(ErrorCode.FORBIDDEN, "New accounts are not open here; ask an administrator for one")
    if not email:
        raise DomainError(
            ErrorCode.FORBIDDEN, f"{provider.name} did not share an email address; no account can be made"
        )
    return await _new_account(unit, provider, sign_in, email)


async def _sign_in(
    deps: WorkerDeps,
    unit: UnitOfWork,
    user: User,
    provider: IdentityProvider,
    sign_in: ProviderSignIn,
    *,
    browser_session_digest: str | None,
) -> dict:
    """An account with MFA on is asked for its second factor, unless the provider's ID token
    named one (amr) and the admin trusts this provider's amr: then the provider's factor
    stands for ours, and the audit row says so."""
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who signed in
    if not user.mfa_enabled:
        return await open_session(deps, unit, user, browser_session_digest=browser_session_digest, method="provider")
    asserted = provider_amr((sign_in.profile or {}).get("amr"))
    if not (provider.trusts_amr_second_factor and asserts_second_factor(asserted)):
        return await start_mfa_challenge(unit, user)
    return await open_session(
        deps,
        unit,
        user,
        second_factor="provider_amr",
        amr=list(EXTERNAL_MFA_AMR),
        browser_session_digest=browser_session_digest,
        vouched_by={"provider": provider.slug, "amr": asserted},
        method="provider",
    )


async def _exchange(deps: WorkerDeps, unit: UnitOfWork, command: ExchangeLoginCode) -> dict:
    sign_in, provider = await _pending(unit, command.login_code_digest)
    if command.browser_session_digest is not None and command.browser_binding_digest != sign_in.browser_binding_hash:
        raise DomainError(ErrorCode.INVALID_TOKEN, CODE_GONE)  # a code from another browser's sign-in
    user = await _account_for_sign_in(unit, provider, sign_in, registration_open=deps.settings.allow_registration)
    await _spend(unit, sign_in)
    return await _sign_in(deps, unit, user, provider, sign_in, browser_session_digest=command.browser_session_digest)


async def exchange(deps: WorkerDeps, envelope: CommandEnvelope[ExchangeLoginCode]) -> dict:
    """Replies carry tokens, so none is stored for dedupe."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await _exchange(deps, uow, envelope.data))
    return uow.reply


async def _proven_account(deps: WorkerDeps, unit: UnitOfWork, command: LinkIdentity) -> uuid.UUID | None:
    """With a password: the account with the provider's address, when the provider vouches
    for it, and the password is that account's (bcrypt off the transaction)."""
    if command.user_id is not None or command.password is None:
        return None
    sign_in = await unit.identities.sign_in_by_code(command.login_code_digest)
    provider = await unit.identities.provider_by_id(sign_in.provider_id) if sign_in else None
    if sign_in is None or provider is None or sign_in.login_code_used_at is not None:
        raise DomainError(ErrorCode.INVALID_TOKEN, CODE_GONE)
    email = _email_of(sign_in)
    user = await unit.users.find_for_login(email=email, username=None) if email else None
    ok = await asyncio.to_thread(deps.hasher.verify, command.password, user.password_hash if user else None)
    if not (provider.trusts_email_verified and (sign_in.profile or {}).get("email_verified")):
        raise DomainError(
            ErrorCode.FORBIDDEN, f"{provider.name} does not vouch for this address: sign in and link from your account"
        )
    if not ok or user is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")
    return user.id


async def _link_identity(deps: WorkerDeps, unit: UnitOfWork, command: LinkIdentity, proven: uuid.UUID | None) -> dict:
    sign_in, provider = await _pending(unit, command.login_code_digest)
    target = command.user_id or proven
    if target is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Send the account's password or its bearer token")
    if command.user_id is not None and unit.principal.id != str(command.user_id):
        raise DomainError(ErrorCode.FORBIDDEN, "Only your own account")
    if command.user_id is not None and command.browser_binding_digest != sign_in.browser_binding_hash:
        # A code from someone else's sign-in, slipped to a signed-in user, must not link
        # that someone's identity to this account.
        raise DomainError(ErrorCode.INVALID_TOKEN, CODE_GONE)
    user = await unit.users.lock(user_id=target, active=True)
    if user is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")
    existing = await unit.identities.lock_identity(provider.id, sign_in.subject)
    if existing is not None and existing.user_id != user.id:
        raise DomainError(ErrorCode.ALREADY_EXISTS, f"This {provider.name} account is linked to another account")
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))
    identity = existing or await _link(unit, user, provider, sign_in)
    await _spend(unit, sign_in)
    if command.user_id is not None:
        return identity_view(identity, provider.slug)
    return await _sign_in(deps, unit, user, provider, sign_in, browser_session_digest=None)


async def link(deps: WorkerDeps, envelope: CommandEnvelope[LinkIdentity]) -> dict:
    """With a password, the answer is the login body (tokens are not stored for dedupe)."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.acting()
        proven = await _proven_account(deps, uow, envelope.data)  # bcrypt before the transaction
        await uow.begin()
        await uow.commit(await _link_identity(deps, uow, envelope.data, proven))
    return uow.reply


# --- the caller's identities ----------------------------------------------------------


async def list_identities(deps: WorkerDeps, envelope: CommandEnvelope[ListIdentities]) -> dict:
    """The user's own linked identities (admins: anyone's)."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        principal = await uow.acting()
        if principal.id != str(command.user_id) and principal.role != Role.ADMIN:
            raise DomainError(ErrorCode.FORBIDDEN, "Only your own identities")
        identities = await uow.identities.identities_of(command.user_id)
        await uow.commit({"data": [identity_view(identity, slug) for identity, slug in identities]})
    return uow.reply


async def _unlink(unit: UnitOfWork, command: UnlinkIdentity) -> None:
    if unit.principal.id != str(command.user_id) and unit.principal.role != Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "Only your own identities")
    user = unit.target(command.user_id)  # locked: two removals at once cannot both pass the count
    identities = await unit.identities.identities_of(user.id)
    found = [(identity, slug) for identity, slug in identities if identity.id == command.identity_id]
    if not found:
        raise DomainError(ErrorCode.NOT_FOUND, "Identity not found")
    (identity, slug) = found[0]
    if len(identities) == 1 and not has_usable_password(user.password_hash):
        raise DomainError(
            ErrorCode.LAST_SIGN_IN_METHOD, "This is the account's last way to sign in: set a password first"
        )
    await unit.identities.delete_identity(identity)
    record_identity(unit, identity, slug, linked=False)


async def unlink(deps: WorkerDeps, envelope: CommandEnvelope[UnlinkIdentity]) -> dict:
    """Remove a linked identity, never the account's last way to sign in."""
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin(locking=envelope.data.user_id)
        await _unlink(uow, envelope.data)
        await uow.commit({})
    return uow.reply


HANDLERS: Handlers = {
    StartProviderSignIn: start,
    CompleteProviderSignIn: complete,
    ExchangeLoginCode: exchange,
    LinkIdentity: link,
    ListIdentities: list_identities,
    UnlinkIdentity: unlink,
}
