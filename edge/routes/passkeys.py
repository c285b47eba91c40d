"""Passkeys (WebAuthn): one's own under /v1/auth/passkeys (adding and removing one needs the
password again), signing in with one (alone, or as the second factor of a password sign-in),
and an admin's removal of a user's passkeys (/v1/users/{id}/passkeys).

The workers make the options and check the browser's responses (workers/handlers/passkeys.py);
the edge only admits, reads the body and answers.
"""

from typing import Any

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain import rbac
from usersvc.domain.errors import ErrorCode
from usersvc.domain.passkey_commands import (
    AuthenticateWithPasskey,
    DeletePasskey,
    ListPasskeys,
    PasskeyAuthenticationBody,
    PasskeyAuthenticationOptionsBody,
    PasskeyDeleteBody,
    PasskeyRegisterBody,
    PasskeyRegistrationOptionsBody,
    PasskeyRenameBody,
    RegisterPasskey,
    RemoveUserPasskeys,
    RenamePasskey,
    StartPasskeyAuthentication,
    StartPasskeyRegistration,
)
from usersvc.domain.replies import LoginResult, PasskeyCeremonyOptions, PasskeyList, PasskeyView
from usersvc.edge.body import parse_body, validate
from usersvc.edge.caller import Caller, client_subject
from usersvc.edge.errors import ApiError
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, admit_anonymous, send, user_id_from_path
from usersvc.edge.sign_in import passkey_step

passkeys = Blueprint("passkeys")

REAUTHENTICATION = (
    "Missing or wrong password: 403 `REAUTHENTICATION_REQUIRED`; a wrong one counts in the account's login back-off."
)


def _reauthentication_required() -> ApiError:
    return ApiError(ErrorCode.REAUTHENTICATION_REQUIRED, "Adding or removing a passkey needs your password")


async def _with_password(request: Request, caller: Caller, command_of: Any, password: str | None) -> Any:
    """A command that checks the caller's password, inside the account's login back-off."""
    if not password:
        raise _reauthentication_required()
    command = command_of(password)
    return await request.app.ctx.login_guard.guard_password(
        lambda: send(request, command, caller=caller),
        user_id=caller.user_id,
        client=client_subject(request),
        wrong=lambda error: error.code == ErrorCode.REAUTHENTICATION_REQUIRED,
    )


@passkeys.post("/v1/auth/passkeys/registration/options")
@operation(
    operation_id="passkeys.registration_options",
    summary="Options to make a passkey (your password again): PublicKeyCredentialCreationOptions as JSON",
    tag="passkeys",
    body=PasskeyRegistrationOptionsBody,
    response=PasskeyCeremonyOptions,
    errors=(403,),
    description="The challenge is single use, lives five minutes and is bound to you. " + REAUTHENTICATION,
)
async def registration_options(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, PasskeyRegistrationOptionsBody)
    return json(
        await _with_password(
            request,
            caller,
            lambda password: StartPasskeyRegistration(password=password, user_id=caller.user_id),
            body.password,
        )
    )


@passkeys.post("/v1/auth/passkeys")
@operation(
    operation_id="passkeys.register",
    summary="Keep the passkey the browser made for your registration options (RegistrationResponseJSON)",
    tag="passkeys",
    status=201,
    body=PasskeyRegisterBody,
    response=PasskeyView,
    description="A credential that answers no live challenge of yours, or fails its checks: 422 on `credential`.",
)
async def register(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, PasskeyRegisterBody)
    command = RegisterPasskey(**body.model_dump(), user_id=caller.user_id)
    return json(await send(request, command, caller=caller), status=201)


@passkeys.get("/v1/auth/passkeys")
@operation(
    operation_id="passkeys.list",
    summary="Your passkeys: name, created, last used, backed up, authenticator (from its AAGUID)",
    tag="passkeys",
    response=PasskeyList,
)
async def list_passkeys(request: Request) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, ListPasskeys(user_id=caller.user_id), caller=caller))


@passkeys.patch("/v1/auth/passkeys/<passkey_id:str>")
@operation(
    operation_id="passkeys.rename",
    summary="Rename one of your passkeys",
    tag="passkeys",
    body=PasskeyRenameBody,
    response=PasskeyView,
    errors=(404,),
)
async def rename(request: Request, passkey_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, PasskeyRenameBody)
    command = RenamePasskey(**body.model_dump(), user_id=caller.user_id, passkey_id=user_id_from_path(passkey_id))
    return json(await send(request, command, caller=caller))


@passkeys.delete("/v1/auth/passkeys/<passkey_id:str>")
@operation(
    operation_id="passkeys.delete",
    summary="Remove one of your passkeys (your password again)",
    tag="passkeys",
    status=204,
    body=PasskeyDeleteBody,
    errors=(403, 404),
    description=REAUTHENTICATION,
)
async def delete(request: Request, passkey_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    # No body at all is a missing password (403), not a malformed request.
    body = parse_body(request, PasskeyDeleteBody) if request.body else validate(PasskeyDeleteBody, {})
    target = user_id_from_path(passkey_id)
    await _with_password(
        request,
        caller,
        lambda password: DeletePasskey(password=password, user_id=caller.user_id, passkey_id=target),
        body.password,
    )
    return empty()


@passkeys.delete("/v1/users/<user_id:str>/passkeys")
@operation(
    operation_id="passkeys.remove_all",
    summary="Remove every passkey of a user (admin; not your own), e.g. after a lost device; audited",
    tag="passkeys",
    status=204,
    errors=(403, 404),
)
async def remove_all(request: Request, user_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    target = user_id_from_path(user_id)
    rbac.authorize_mfa_reset(caller.principal, target)  # fail fast on what the token's role decides
    await send(request, RemoveUserPasskeys(user_id=target), caller=caller)
    return empty()


@passkeys.post("/v1/auth/passkeys/authentication/options")
@operation(
    operation_id="passkeys.authentication_options",
    summary="Options to sign in with a passkey: PublicKeyCredentialRequestOptions as JSON",
    tag="passkeys",
    secured=False,
    body=PasskeyAuthenticationOptionsBody,
    response=PasskeyCeremonyOptions,
    errors=(401,),
    description=(
        "`{}`: a username-less sign-in (discoverable passkeys, user verification required); "
        '`{"mfa_token"}`: the second factor of that password sign-in, listing its passkeys. '
        "An unknown, used or expired mfa_token: 401 `INVALID_TOKEN`."
    ),
)
async def authentication_options(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="passkey_options")
    body = parse_body(request, PasskeyAuthenticationOptionsBody)
    return json(await send(request, StartPasskeyAuthentication(**body.model_dump())))


@passkeys.post("/v1/auth/passkeys/authentication")
@operation(
    operation_id="passkeys.authenticate",
    summary="Sign in with a passkey (AuthenticationResponseJSON; with mfa_token, as the second factor): the login body",
    tag="passkeys",
    secured=False,
    body=PasskeyAuthenticationBody,
    response=LoginResult,
    errors=(401,),
    description=(
        "A wrong origin, a replayed or expired challenge, a counter that went back, another user's "
        "credential or a bad signature: 401 `INVALID_CREDENTIALS`. Access tokens carry `amr` "
        '`["hwk"]` (`["swk"]` for a backed-up passkey), `["pwd", "hwk"]` as a second factor.'
    ),
)
async def authenticate(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="passkey")
    body = parse_body(request, PasskeyAuthenticationBody)
    return json(await passkey_step(request, AuthenticateWithPasskey(**body.model_dump())))
