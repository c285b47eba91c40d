"""Passkey commands (WebAuthn, checked with py_webauthn): options and registration, the list,
renaming and removal, an admin's removal of them all, and signing in with one.

Every ceremony's challenge is a row of webauthn_challenges holding its SHA-256 only, spent
under a row lock by the first response that names it, right or wrong (a refusal after that
commits: RefuseAfterCommit), and dead five minutes after it was made. Replies that carry
options or tokens are never recorded for deduplication.
"""

import asyncio
import hashlib
import json
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any

from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from usersvc.domain import rbac
from usersvc.domain.authenticators import authenticator_name
from usersvc.domain.errors import DomainError, ErrorCode, FieldError
from usersvc.domain.opaque_tokens import opaque_token_digest
from usersvc.domain.passkey_commands import (
    AuthenticateWithPasskey,
    DeletePasskey,
    ListPasskeys,
    RegisterPasskey,
    RemoveUserPasskeys,
    RenamePasskey,
    StartPasskeyAuthentication,
    StartPasskeyRegistration,
)
from usersvc.domain.rbac import Principal, Role
from usersvc.domain.replies import iso_utc
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.models import MfaChallenge, Passkey, User, WebAuthnChallenge
from usersvc.workers.repositories.sessions import open_session
from usersvc.workers.repositories.users import lock_user, user_not_found
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope, RefuseAfterCommit, UnitOfWork

CHALLENGE_LIFETIME = timedelta(minutes=5)
CEREMONY_TIMEOUT_MS = int(CHALLENGE_LIFETIME.total_seconds() * 1000)
RP_NAME = "usersvc"
REGISTRATION, AUTHENTICATION = "registration", "authentication"
ADDED_TEMPLATE, REMOVED_TEMPLATE = "passkey_added", "passkey_removed"
CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]{1,1400}")
KNOWN_TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


def passkey_view(passkey: Passkey) -> dict:
    return {
        "id": str(passkey.id),
        "name": passkey.name,
        "created_at": iso_utc(passkey.created_at),
        "last_used_at": iso_utc(passkey.last_used_at),
        "backed_up": passkey.backed_up,
        "backup_eligible": passkey.backup_eligible,
        "aaguid": passkey.aaguid,
        "authenticator": authenticator_name(passkey.aaguid),
    }


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _challenge_of(credential: dict) -> bytes | None:
    """The challenge the browser signed, as its clientDataJSON says (checked by py_webauthn)."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        return base64url_to_bytes(client_data["challenge"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


async def _new_challenge(
    uow: UnitOfWork, purpose: str, *, user_id: uuid.UUID | None, mfa_id: uuid.UUID | None
) -> bytes:
    # Dead challenges go as new ones come, so none piles up without a pruning job.
    await uow.passkeys.delete_expired_challenges(now=uow.now)
    challenge = secrets.token_bytes(32)
    await uow.passkeys.add_challenge(
        WebAuthnChallenge(
            id=uuid.uuid4(),
            challenge_digest=_digest(challenge),
            purpose=purpose,
            user_id=user_id,
            mfa_challenge_id=mfa_id,
            expires_at=uow.now + CHALLENGE_LIFETIME,
            created_at=uow.now,
        )
    )
    return challenge


async def _spend_challenge(uow: UnitOfWork, challenge: bytes | None, purpose: str) -> WebAuthnChallenge | None:
    """The live challenge of this purpose, now spent; None when unknown, spent or dead."""
    if challenge is None:
        return None
    row = await uow.passkeys.lock_challenge(_digest(challenge))
    if row is None or row.purpose != purpose or row.spent_at is not None or row.expires_at <= uow.now:
        return None
    row.spent_at = uow.now
    await uow.passkeys.update_challenge(row, ["spent_at"])
    return row


def _reauthentication_required() -> DomainError:
    return DomainError(ErrorCode.REAUTHENTICATION_REQUIRED, "Adding or removing a passkey needs your password")


async def _reauthenticate(deps: WorkerDeps, uow: UnitOfWork, command: StartPasskeyRegistration | DeletePasskey) -> None:
    """Re-authentication before a passkey is added or removed; bcrypt before the transaction."""
    rbac.authorize_own_mfa(await uow.acting(), command.user_id)
    user = await uow.users.find(command.user_id, active=True)
    if user is None:  # only a service can get here for someone unknown; it has admin rights
        raise user_not_found(command.user_id)
    if not await asyncio.to_thread(deps.hasher.verify, command.password, user.password_hash):
        raise _reauthentication_required()


async def _lock_own_account(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """The transaction, then the actor's own (active) account locked: only its owner changes
    its passkeys."""
    await uow.begin()
    rbac.authorize_own_mfa(uow.principal, user_id)
    return await lock_user(uow, user_id, active=True)


def _display_name(user: User) -> str:
    return f"{user.first_name} {user.last_name}".strip() or user.username


def _known_transports(transports: object) -> list[str]:
    """Transports as the browser reported them, those WebAuthn names only."""
    return [value for value in transports if value in KNOWN_TRANSPORTS] if isinstance(transports, list) else []


def _descriptors(passkeys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(passkey.credential_id),
            transports=[AuthenticatorTransport(value) for value in _known_transports(passkey.transports)],
        )
        for passkey in passkeys
    ]


async def start_registration(deps: WorkerDeps, envelope: CommandEnvelope[StartPasskeyRegistration]) -> dict:
    """Creation options with a challenge bound to the user (their password again)."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await _reauthenticate(deps, uow, command)
        user = await _lock_own_account(uow, command.user_id)
        existing = await uow.passkeys.of_user(user.id)
        challenge = await _new_challenge(uow, REGISTRATION, user_id=user.id, mfa_id=None)
        options = generate_registration_options(
            rp_id=deps.settings.webauthn_relying_party_id,
            rp_name=RP_NAME,
            user_name=user.username,
            user_id=user.id.bytes,  # the user handle: opaque, no personal data
            user_display_name=_display_name(user),
            challenge=challenge,
            timeout=CEREMONY_TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,  # discoverable: username-less sign-in
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=_descriptors(existing),
        )
        await uow.commit(json.loads(options_to_json(options)))
    return uow.reply


def _refused_credential(message: str) -> RefuseAfterCommit:
    return RefuseAfterCommit(
        ErrorCode.VALIDATION_ERROR, "Request validation failed", [FieldError(field="credential", message=message)]
    )


async def register(deps: WorkerDeps, envelope: CommandEnvelope[RegisterPasskey]) -> dict:
    """Keep a passkey made for the user's registration challenge; a mail tells them."""
    command = envelope.data
    settings = deps.settings
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        user = await _lock_own_account(uow, command.user_id)
        challenge = _challenge_of(command.credential)
        row = await _spend_challenge(uow, challenge, REGISTRATION)
        if row is None or row.user_id != user.id or challenge is None:
            raise _refused_credential("answers no live registration challenge of yours; ask for new options")
        try:
            verified = verify_registration_response(
                credential=command.credential,
                expected_challenge=challenge,
                expected_rp_id=settings.webauthn_relying_party_id,
                expected_origin=settings.webauthn_origin_list,
            )
        except Exception as error:  # py_webauthn's refusals, and whatever a malformed body raises
            raise _refused_credential(f"is not a valid registration: {type(error).__name__}") from None
        credential_id = bytes_to_base64url(verified.credential_id)
        if await uow.passkeys.credential_taken(credential_id):
            raise _refused_credential("this passkey is already registered")
        passkey = Passkey(
            id=uuid.uuid4(),
            user_id=user.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            aaguid=verified.aaguid,
            name=command.name,
            transports=_known_transports(command.credential.get("response", {}).get("transports")),
            backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
            backed_up=verified.credential_backed_up,
            created_at=uow.now,
            last_used_at=None,
        )
        await uow.passkeys.add(passkey)
        view = passkey_view(passkey)
        uow.record(
            action="auth.passkey_add",
            entity_id=str(user.id),
            old=None,
            new={"passkey_id": view["id"], "name": passkey.name, "aaguid": passkey.aaguid},
        )
        values = {"username": user.username, "passkey_name": passkey.name}
        await deps.mail.queue(uow, template=ADDED_TEMPLATE, to=user.email, values=values)
        await uow.commit(view)
    return uow.reply


async def list_passkeys(deps: WorkerDeps, envelope: CommandEnvelope[ListPasskeys]) -> dict:
    """The user's own passkeys, oldest first."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        rbac.authorize_own_mfa(await uow.acting(), command.user_id)
        passkeys = await uow.passkeys.of_user(command.user_id)
        await uow.commit({"data": [passkey_view(passkey) for passkey in passkeys]})
    return uow.reply


def _passkey_not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No such passkey of yours")


async def _locked_passkey(uow: UnitOfWork, *, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey:
    passkey = await uow.passkeys.lock(user_id=user_id, passkey_id=passkey_id)
    if passkey is None:
        raise _passkey_not_found()
    return passkey


async def rename(deps: WorkerDeps, envelope: CommandEnvelope[RenamePasskey]) -> dict:
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        rbac.authorize_own_mfa(uow.principal, command.user_id)
        passkey = await _locked_passkey(uow, user_id=command.user_id, passkey_id=command.passkey_id)
        old_name, passkey.name = passkey.name, command.name
        await uow.passkeys.update(passkey, ["name"])
        uow.record(
            action="auth.passkey_rename",
            entity_id=str(command.user_id),
            old={"passkey_id": str(passkey.id), "name": old_name},
            new={"passkey_id": str(passkey.id), "name": passkey.name},
        )
        await uow.commit(passkey_view(passkey))
    return uow.reply


async def delete(deps: WorkerDeps, envelope: CommandEnvelope[DeletePasskey]) -> dict:
    """Remove one of one's passkeys (the password again); a mail tells the user."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await _reauthenticate(deps, uow, command)
        user = await _lock_own_account(uow, command.user_id)
        passkey = await _locked_passkey(uow, user_id=user.id, passkey_id=command.passkey_id)
        await uow.passkeys.delete([passkey])
        uow.record(
            action="auth.passkey_remove",
            entity_id=str(user.id),
            old={"passkey_id": str(passkey.id), "name": passkey.name},
            new=None,
        )
        values = {"username": user.username, "passkey_name": passkey.name}
        await deps.mail.queue(uow, template=REMOVED_TEMPLATE, to=user.email, values=values)
        await uow.commit(None)
    return uow.reply


async def remove_all(deps: WorkerDeps, envelope: CommandEnvelope[RemoveUserPasskeys]) -> dict:
    """Remove every passkey of a user (admin or service; not one's own), audited."""
    command = envelope.data
    async with deps.unit_of_work(envelope) as uow:
        await uow.begin()
        rbac.authorize_mfa_reset(uow.principal, command.user_id)
        user = await lock_user(uow, command.user_id)
        passkeys = await uow.passkeys.lock_of_user(user.id)
        if passkeys:
            await uow.passkeys.delete(passkeys)
            uow.record(
                action="user.passkeys_remove",
                entity_id=str(user.id),
                old={"passkeys": [{"passkey_id": str(passkey.id), "name": passkey.name} for passkey in passkeys]},
                new=None,
            )
            values = {"username": user.username, "passkey_name": ", ".join(passkey.name for passkey in passkeys)}
            await deps.mail.queue(uow, template=REMOVED_TEMPLATE, to=user.email, values=values)
        await uow.commit(None)
    return uow.reply


def _invalid_token() -> DomainError:
    return DomainError(ErrorCode.INVALID_TOKEN, "The mfa_token is unknown, used or expired; log in again")


async def _live_mfa_challenge(uow: UnitOfWork, mfa_token: str) -> MfaChallenge | None:
    challenge = await uow.second_factor.lock_challenge(opaque_token_digest(mfa_token))
    if challenge is None or challenge.spent_at is not None or challenge.expires_at <= uow.now:
        return None
    return challenge


async def start_authentication(deps: WorkerDeps, envelope: CommandEnvelope[StartPasskeyAuthentication]) -> dict:
    """Request options (edge only): a challenge for anyone, or for the second factor of a
    password sign-in (its mfa_token), listing that user's passkeys."""
    command = envelope.data
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        allowed: list[Passkey] = []
        mfa = None
        if command.mfa_token is not None:
            mfa = await _live_mfa_challenge(uow, command.mfa_token)
            if mfa is None:
                raise _invalid_token()
            allowed = await uow.passkeys.of_user(mfa.user_id)
        challenge = await _new_challenge(
            uow, AUTHENTICATION, user_id=mfa.user_id if mfa else None, mfa_id=mfa.id if mfa else None
        )
        options = generate_authentication_options(
            rp_id=deps.settings.webauthn_relying_party_id,
            challenge=challenge,
            timeout=CEREMONY_TIMEOUT_MS,
            allow_credentials=_descriptors(allowed),
            # Alone, the passkey is both factors: the authenticator must verify its user.
            user_verification=UserVerificationRequirement.PREFERRED if mfa else UserVerificationRequirement.REQUIRED,
        )
        await uow.commit(json.loads(options_to_json(options)))
    return uow.reply


def _wrong_passkey() -> RefuseAfterCommit:
    return RefuseAfterCommit(ErrorCode.INVALID_CREDENTIALS, "Invalid credentials")


def _refuse(uow: UnitOfWork, passkey: Passkey, reason: str, **facts: Any) -> RefuseAfterCommit:
    """An assertion for a known passkey refused: audited on its owner, then answered as any
    wrong credential."""
    uow.record(
        action="auth.passkey_refused",
        entity_id=str(passkey.user_id),
        old=None,
        new={"passkey_id": str(passkey.id), "reason": reason, **facts},
    )
    return _wrong_passkey()


def _credential_id(credential: dict) -> str | None:
    """The credential id as stored (base64url); anything else names no passkey."""
    raw = credential.get("rawId", credential.get("id"))
    return raw if isinstance(raw, str) and CREDENTIAL_ID.fullmatch(raw) else None


def _user_handle(credential: dict) -> str | None:
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    return handle if isinstance(handle, str) and handle else None


def _owner_matches(credential: dict, passkey: Passkey) -> bool:
    """Alone, the user handle the authenticator returns must be the passkey's owner's."""
    handle = _user_handle(credential)
    try:
        return handle is not None and base64url_to_bytes(handle) == passkey.user_id.bytes
    except ValueError:
        return False


async def _checked_passkey(
    uow: UnitOfWork, command: AuthenticateWithPasskey, row: WebAuthnChallenge
) -> tuple[Passkey, MfaChallenge | None]:
    """The passkey the assertion names, its owner's as the challenge says, and the password
    sign-in it completes (None when it signs in alone)."""
    mfa = None
    if row.mfa_challenge_id is not None or command.mfa_token is not None:
        # A second factor: the options were made for this very sign-in, and it is still open.
        mfa = await _live_mfa_challenge(uow, command.mfa_token) if command.mfa_token else None
        if mfa is None or mfa.id != row.mfa_challenge_id:
            raise _wrong_passkey()
    credential_id = _credential_id(command.credential)
    passkey = await uow.passkeys.lock_by_credential(credential_id) if credential_id else None
    if passkey is None:
        raise _wrong_passkey()
    if mfa is not None and passkey.user_id != mfa.user_id:
        raise _refuse(uow, passkey, "another user's sign-in")
    if mfa is None and not _owner_matches(command.credential, passkey):
        raise _refuse(uow, passkey, "user handle of another user")
    return passkey, mfa


async def authenticate(deps: WorkerDeps, envelope: CommandEnvelope[AuthenticateWithPasskey]) -> dict:
    """Sign in with a passkey (edge only): the login reply. Replies carry tokens, so none is
    stored for dedupe."""
    command = envelope.data
    settings = deps.settings
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        challenge = _challenge_of(command.credential)
        row = await _spend_challenge(uow, challenge, AUTHENTICATION)
        if row is None or challenge is None:  # unknown, replayed or dead
            raise _wrong_passkey()
        passkey, mfa = await _checked_passkey(uow, command, row)
        user = await uow.users.lock(user_id=passkey.user_id, active=True)
        if user is None:
            raise _wrong_passkey()
        uow.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who signs in
        try:
            verified = verify_authentication_response(
                credential=command.credential,
                expected_challenge=challenge,
                expected_rp_id=settings.webauthn_relying_party_id,
                expected_origin=settings.webauthn_origin_list,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=0,  # the counter is judged below, once the signature holds
                require_user_verification=mfa is None,
            )
        except Exception as error:  # py_webauthn's refusals, and whatever a malformed body raises
            raise _refuse(uow, passkey, f"assertion: {type(error).__name__}") from None
        if (verified.new_sign_count or passkey.sign_count) and verified.new_sign_count <= passkey.sign_count:
            # The specification's sign of a cloned authenticator: two copies of one key.
            stored, presented = passkey.sign_count, verified.new_sign_count
            raise _refuse(uow, passkey, "sign counter went back", stored=stored, presented=presented)
        if (verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE) != passkey.backup_eligible:
            raise _refuse(uow, passkey, "backup eligibility changed")
        passkey.sign_count, passkey.backed_up = verified.new_sign_count, verified.credential_backed_up
        passkey.last_used_at = uow.now
        await uow.passkeys.update(passkey, ["sign_count", "backed_up", "last_used_at"])
        method = "swk" if verified.credential_backed_up else "hwk"
        if mfa is not None:
            mfa.spent_at = uow.now
            await uow.second_factor.update_challenge(mfa, ["spent_at"])
            browser = command.browser_session_digest
            reply = await open_session(
                deps, uow, user, second_factor="passkey", amr=["pwd", method], browser_session_digest=browser
            )
        else:
            browser = command.browser_session_digest
            reply = await open_session(deps, uow, user, amr=[method], browser_session_digest=browser)
        await uow.commit(reply)
    return uow.reply


HANDLERS: Handlers = {
    StartPasskeyRegistration: start_registration,
    RegisterPasskey: register,
    ListPasskeys: list_passkeys,
    RenamePasskey: rename,
    DeletePasskey: delete,
    RemoveUserPasskeys: remove_all,
    StartPasskeyAuthentication: start_authentication,
    AuthenticateWithPasskey: authenticate,
}
