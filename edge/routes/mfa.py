"""MFA: TOTP enrolment and removal (/v1/auth/mfa/totp), the second login step
(/v1/auth/mfa/verify), and an admin's reset (/v1/users/{id}/mfa)."""

from typing import Any

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.domain import rbac
from usersvc.domain.commands import (
    ConfirmTotp,
    DisableTotp,
    EnrolTotp,
    MfaVerifyBody,
    ResetMfa,
    TotpConfirmBody,
    TotpDisableBody,
    TotpEnrolBody,
)
from usersvc.domain.errors import ErrorCode
from usersvc.domain.replies import LoginResult, RecoveryCodes, TotpEnrolment
from usersvc.edge.body import parse_body
from usersvc.edge.caller import Caller, client_subject
from usersvc.edge.login_guard import refuses_field
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, admit_anonymous, send, user_id_from_path
from usersvc.edge.sign_in import code_step

mfa = Blueprint("mfa")


@mfa.post("/v1/auth/mfa/totp")
@operation(
    operation_id="mfa.enrol_totp",
    summary="Start TOTP enrolment (your password again): a secret and its otpauth:// URI; refused while MFA is on",
    tag="mfa",
    body=TotpEnrolBody,
    response=TotpEnrolment,
    errors=(403,),
    description="403 `EMAIL_NOT_VERIFIED` until an address of the account was verified.",
)
async def enrol_totp(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, TotpEnrolBody)
    command = EnrolTotp(**body.model_dump(), user_id=caller.user_id)
    return json(await _guessing_counts(request, caller, command))


@mfa.post("/v1/auth/mfa/totp/confirm")
@operation(
    operation_id="mfa.confirm_totp",
    summary="Turn MFA on with a current code of the enrolled app: ten recovery codes, shown once (a wrong code: 422)",
    tag="mfa",
    body=TotpConfirmBody,
    response=RecoveryCodes,
    description="Every other session of yours ends; this one goes on.",
)
async def confirm_totp(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, TotpConfirmBody)
    command = ConfirmTotp(**body.model_dump(), user_id=caller.user_id, keep_session_id=caller.session_id)
    return json(await send(request, command, caller=caller))


@mfa.delete("/v1/auth/mfa/totp")
@operation(
    operation_id="mfa.disable_totp",
    summary="Turn your MFA off with your password and a code (TOTP or recovery code)",
    tag="mfa",
    status=204,
    body=TotpDisableBody,
)
async def disable_totp(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    body = parse_body(request, TotpDisableBody)
    await _guessing_counts(request, caller, DisableTotp(**body.model_dump(), user_id=caller.user_id))
    return empty()


async def _guessing_counts(request: Request, caller: Caller, command: EnrolTotp | DisableTotp) -> Any:
    """Whoever holds an access token must not guess the account's password or codes here
    freely: a wrong one counts in the account's login back-off, and while it holds these
    answer 429 before anything is checked (edge.login_guard)."""
    return await request.app.ctx.login_guard.guard_password(
        lambda: send(request, command, caller=caller),
        user_id=caller.user_id,
        client=client_subject(request),
        wrong=lambda error: error.code == ErrorCode.VALIDATION_ERROR and refuses_field(error, "password", "code"),
    )


@mfa.delete("/v1/users/<user_id:str>/mfa")
@operation(
    operation_id="mfa.reset",
    summary="Turn a user's MFA off (admin; not your own), e.g. after a lost authenticator; audited",
    tag="mfa",
    status=204,
    errors=(403, 404),
)
async def reset_mfa(request: Request, user_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    target = user_id_from_path(user_id)
    rbac.authorize_mfa_reset(caller.principal, target)  # fail fast on what the token's role decides
    await send(request, ResetMfa(user_id=target), caller=caller)
    return empty()


@mfa.post("/v1/auth/mfa/verify")
@operation(
    operation_id="mfa.verify",
    summary="Second login step: the mfa_token and a code (TOTP or recovery code) for the login's tokens",
    tag="mfa",
    secured=False,
    body=MfaVerifyBody,
    response=LoginResult,
    errors=(401,),
)
async def verify_mfa(request: Request) -> HTTPResponse:
    """Limited per client IP like login (on a counter of its own), and per account: wrong codes
    count in the login back-off of the account that logged in (edge.login_guard)."""
    await admit_anonymous(request, scope="mfa")
    return json(await code_step(request, parse_body(request, MfaVerifyBody)))
