"""A sign-in's two steps as every door does them (`/v1/auth/login` and `/mfa/verify`, and the
provider's sign-in page): the login limits and the per-account back-off around the
worker's password and code checks (edge/login_guard.py)."""

from sanic import Request

from usersvc.cache_keys import account_subject, login_identifier
from usersvc.domain.commands import Login, LoginBody, MfaVerifyBody, VerifyMfa
from usersvc.domain.errors import ErrorCode
from usersvc.domain.passkey_commands import AuthenticateWithPasskey
from usersvc.edge.caller import client_subject
from usersvc.edge.errors import ApiError
from usersvc.edge.route_steps import send


async def password_step(request: Request, body: LoginBody, *, browser_session_digest: str | None = None) -> dict:
    """The worker's login reply: tokens (or, for the provider's page, the browser session),
    or `mfa_required` with an mfa_token. Refusals are ApiErrors, as /v1/auth/login answers them."""
    guard = request.app.ctx.login_guard
    identifier = login_identifier(email=body.email, username=body.username)
    client = client_subject(request)
    await guard.hold_back(subject=await guard.subject_of(identifier), client=client)
    command = Login(**body.model_dump(), client=client, browser_session_digest=browser_session_digest)
    try:
        reply = await send(request, command)
    except ApiError as error:
        if error.code == ErrorCode.INVALID_CREDENTIALS:
            await guard.record_login_failure(identifier=identifier)
        elif error.code == ErrorCode.RATE_LIMITED:
            # The worker found the account held back (by failures through its other
            # identifier): answered as the edge answers a hold, with Retry-After.
            await guard.hold_back(subject=await guard.subject_of(identifier), client=client)
            error.headers.setdefault("Retry-After", "1")
        raise
    if reply.get("mfa_required"):
        # The password was right but the login is not done: the back-off is not reset until
        # the code step succeeds, and the codes sent there count against this account.
        await guard.remember_mfa_login(mfa_token=reply["mfa_token"], identifier=identifier, seconds=reply["expires_in"])
        return reply
    await guard.record_success(subjects={identifier, account_subject(reply["user"]["id"])}, client=client)
    return reply


async def code_step(request: Request, body: MfaVerifyBody, *, browser_session_digest: str | None = None) -> dict:
    """Wrong codes count in the back-off of the account whose password step began it."""
    command = VerifyMfa(**body.model_dump(), browser_session_digest=browser_session_digest)
    return await _second_step(request, command, mfa_token=body.mfa_token)


async def passkey_step(request: Request, command: AuthenticateWithPasskey) -> dict:
    """A passkey sign-in: as the second factor, a refusal counts in the back-off of the account
    whose password step began it, as a wrong code does; alone, it names no account before a
    worker checks it, so the per-client limit is its guard."""
    return await _second_step(request, command, mfa_token=command.mfa_token)


async def _second_step(
    request: Request, command: VerifyMfa | AuthenticateWithPasskey, *, mfa_token: str | None
) -> dict:
    guard = request.app.ctx.login_guard
    client = client_subject(request)
    subject = await guard.mfa_login_subject(mfa_token) if mfa_token else None
    if subject is not None:
        await guard.hold_back(subject=subject, client=client)
    try:
        reply = await send(request, command)
    except ApiError as error:
        if error.code == ErrorCode.INVALID_CREDENTIALS and subject is not None:
            await guard.record_failure(subject=subject)
        raise
    known = {subject} if subject is not None else set()
    await guard.record_success(subjects={*known, account_subject(reply["user"]["id"])}, client=client)
    return reply
