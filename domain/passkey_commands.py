"""Passkeys (WebAuthn): registering, listing, renaming and removing them, and signing in with
one, alone (discoverable, username-less) or as the second factor of a password sign-in.

Every ceremony starts with options from a worker, which stores the challenge (as a digest,
single use, five minutes) and ends with the browser's response, which a worker checks
against it (workers/handlers/passkeys.py, with py_webauthn).
"""

from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import AfterValidator, Field, StrictStr

from usersvc.domain.commands import Command, CurrentPassword, _printable

PasskeyName = Annotated[
    StrictStr,
    Field(min_length=1, max_length=100, description="a name the user recognises (printable)"),
    AfterValidator(_printable),
]
# The browser's PublicKeyCredential as JSON (RegistrationResponseJSON / AuthenticationResponseJSON):
# binary fields base64url. Read by py_webauthn; anything it cannot read is a wrong credential.
WebAuthnCredential = Annotated[
    dict[str, Any], Field(description="the browser's PublicKeyCredential as JSON, binary fields base64url")
]


# Optional in the bodies: a missing password is REAUTHENTICATION_REQUIRED (403), as a wrong one.
REAUTHENTICATION_PASSWORD = Field(
    None, min_length=1, max_length=1024, repr=False, description="your current password (re-authentication)"
)


class PasskeyRegistrationOptionsBody(Command):
    password: StrictStr | None = REAUTHENTICATION_PASSWORD


class StartPasskeyRegistration(Command):
    """PublicKeyCredentialCreationOptions for the user (their password again): a new challenge,
    bound to them, single use, five minutes. A wrong password is REAUTHENTICATION_REQUIRED."""

    ROUTING_KEY: ClassVar[str] = "auth.passkey_registration_options"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True
    password: CurrentPassword
    user_id: UUID


class PasskeyRegisterBody(Command):
    credential: WebAuthnCredential
    name: PasskeyName = "Passkey"


class RegisterPasskey(PasskeyRegisterBody):
    """Keep the passkey the browser made for a challenge of StartPasskeyRegistration."""

    ROUTING_KEY: ClassVar[str] = "auth.passkey_register"
    user_id: UUID


class ListPasskeys(Command):
    """The user's passkeys: name, created, last used, backed up, authenticator (from its AAGUID)."""

    ROUTING_KEY: ClassVar[str] = "auth.passkey_list"
    user_id: UUID


class PasskeyRenameBody(Command):
    name: PasskeyName


class RenamePasskey(PasskeyRenameBody):
    ROUTING_KEY: ClassVar[str] = "auth.passkey_rename"
    user_id: UUID
    passkey_id: UUID


class PasskeyDeleteBody(Command):
    password: StrictStr | None = REAUTHENTICATION_PASSWORD


class DeletePasskey(Command):
    """Remove one of one's passkeys (the password again; wrong: REAUTHENTICATION_REQUIRED)."""

    ROUTING_KEY: ClassVar[str] = "auth.passkey_delete"
    HASHES_PASSWORD: ClassVar[bool] = True
    CARRIES_SECRET: ClassVar[bool] = True
    password: CurrentPassword
    user_id: UUID
    passkey_id: UUID


class RemoveUserPasskeys(Command):
    """Remove every passkey of a user (admin or service, not on oneself); audited."""

    ROUTING_KEY: ClassVar[str] = "user.passkeys_remove"
    user_id: UUID


class PasskeyAuthenticationOptionsBody(Command):
    mfa_token: StrictStr | None = Field(
        None,
        min_length=1,
        max_length=200,
        repr=False,
        description="as the second factor of a password sign-in; without it, a username-less sign-in",
    )


class StartPasskeyAuthentication(PasskeyAuthenticationOptionsBody):
    """PublicKeyCredentialRequestOptions (edge only): a new challenge, single use, five minutes;
    with an mfa_token bound to that sign-in and listing its user's passkeys."""

    ROUTING_KEY: ClassVar[str] = "auth.passkey_authentication_options"
    CARRIES_SECRET: ClassVar[bool] = True


class PasskeyAuthenticationBody(Command):
    credential: WebAuthnCredential
    mfa_token: StrictStr | None = Field(
        None, min_length=1, max_length=200, repr=False, description="the second factor of this password sign-in"
    )


class AuthenticateWithPasskey(PasskeyAuthenticationBody):
    """Sign in with a passkey (edge only): the login reply. Anything wrong with the assertion
    (origin, challenge, signature, counter, owner) is INVALID_CREDENTIALS."""

    ROUTING_KEY: ClassVar[str] = "auth.passkey_authenticate"
    CARRIES_SECRET: ClassVar[bool] = True
    browser_session_digest: str | None = Field(
        None,
        min_length=64,
        max_length=64,
        pattern="^[0-9a-f]{64}$",
        description="the provider's sign-in page: open the browser session of this cookie digest, issue no tokens",
    )
