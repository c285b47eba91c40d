"""/v1/auth account flows: registration, email verification, password reset.

The token endpoints and registration speak for no user yet: they are limited per client IP
and sent as the edge itself; their commands are the edge's alone (workers/identity.py).
"""

from sanic import Blueprint, HTTPResponse, Request, empty, json

from usersvc.cache_keys import account_subject
from usersvc.domain.commands import (
    PasswordResetBody,
    PasswordResetConfirmBody,
    Register,
    RegistrationBody,
    RequestEmailVerification,
    RequestPasswordReset,
    ResetPassword,
    VerifyEmail,
    VerifyEmailBody,
)
from usersvc.domain.errors import ErrorCode
from usersvc.domain.replies import RegistrationAccepted
from usersvc.edge.body import parse_body
from usersvc.edge.caller import client_subject
from usersvc.edge.errors import ApiError, one_time_token_refusals
from usersvc.edge.openapi import operation
from usersvc.edge.route_steps import admit, admit_anonymous, send, tell

account = Blueprint("account", url_prefix="/v1/auth")
# A reset request waits this long for a worker; then it is dropped (the client may ask again).
RESET_REQUEST_EXPIRES_SECONDS = 300
STALE_LINK_ANSWER = "400 `INVALID_TOKEN`: the token is unknown, used, expired, or was made for another purpose."


@account.post("/register")
@operation(
    operation_id="auth.register",
    summary="Register for an account; a verification mail follows",
    tag="auth",
    status=202,
    secured=False,
    body=RegistrationBody,
    response=RegistrationAccepted,
    errors=(404, 409),
    description=(
        "The same 202 whether or not the email has an account: a new address gets an account (role `user`, "
        "email unverified) and a verification mail; an address that has one gets a mail to its owner instead, "
        "and nothing changes. 409 `USERNAME_TAKEN` for a taken username (usernames are public). "
        "Only while ALLOW_REGISTRATION is on (404 `NOT_FOUND` otherwise)."
    ),
)
async def register(request: Request) -> HTTPResponse:
    if not request.app.ctx.settings.allow_registration:  # as if the route did not exist
        raise ApiError(ErrorCode.NOT_FOUND, "No such route")
    await admit_anonymous(request, scope="register")
    body = parse_body(request, RegistrationBody)
    return json(await send(request, Register(**body.model_dump())), status=202)


@account.post("/verify-email/request")
@operation(
    operation_id="auth.request_email_verification",
    tag="auth",
    status=202,
    summary="Mail a new verification link to your current email (earlier links stop working)",
)
async def request_email_verification(request: Request) -> HTTPResponse:
    caller = await admit(request, write=True)
    await send(request, RequestEmailVerification(user_id=caller.user_id), caller=caller)
    return empty(status=202)


@account.post("/verify-email")
@operation(
    operation_id="auth.verify_email",
    summary="Spend an email-verification token: the email is verified",
    tag="auth",
    status=204,
    secured=False,
    body=VerifyEmailBody,
    description=STALE_LINK_ANSWER,
)
async def verify_email(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="one-time-token")
    body = parse_body(request, VerifyEmailBody)
    with one_time_token_refusals():
        await send(request, VerifyEmail(**body.model_dump()))
    return empty()


@account.post("/password-reset")
@operation(
    operation_id="auth.request_password_reset",
    tag="auth",
    status=202,
    secured=False,
    summary="Mail a password-reset link if the address has an active account",
    body=PasswordResetBody,
    description="202 whether or not the address has an account, in the same time.",
)
async def request_password_reset(request: Request) -> HTTPResponse:
    """Answered once the broker holds the command, before anyone looked the address up: the
    answer and its timing are the same for every address."""
    await admit_anonymous(request, scope="password-reset")
    body = parse_body(request, PasswordResetBody)
    await tell(request, RequestPasswordReset(**body.model_dump()), expires_in=RESET_REQUEST_EXPIRES_SECONDS)
    return empty(status=202)


@account.post("/password-reset/confirm")
@operation(
    operation_id="auth.reset_password",
    summary="Spend a password-reset token for a new password",
    tag="auth",
    status=204,
    secured=False,
    body=PasswordResetConfirmBody,
    description="Every session of the user is revoked. " + STALE_LINK_ANSWER,
)
async def reset_password(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="one-time-token")
    body = parse_body(request, PasswordResetConfirmBody)
    with one_time_token_refusals():
        reply = await send(request, ResetPassword(**body.model_dump()))
    # The owner proved they read the account's mail: lift the login back-off for this client.
    await request.app.ctx.login_guard.record_success(
        subjects={account_subject(reply["user"]["id"])}, client=client_subject(request)
    )
    return empty()
