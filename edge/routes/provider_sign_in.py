"""Sign in with another provider (docs/identity-providers.md): the providers offered, the
start and callback a browser goes through, the login code's exchange, and the caller's
linked identities.

The browser that starts a sign-in is bound to it (edge/broker_cookie.py), so a callback URL
made by someone else (a forged callback, login CSRF) signs no one in. The login code comes
back in `return_to`'s query: single use, 60 seconds, not a token that grants anything by
itself (it is exchanged with a POST, so no token pair ever sits in a URL).
"""

import uuid

from pydantic import ValidationError
from sanic import Blueprint, HTTPResponse, Request, empty, json, redirect

from usersvc.domain.commands import Command
from usersvc.domain.errors import ErrorCode
from usersvc.domain.identity_providers import (
    CompleteProviderSignIn,
    ExchangeLoginCode,
    LinkedIdentityList,
    LinkIdentity,
    LinkIdentityBody,
    LinkOutcome,
    ListIdentities,
    ListIdentityProviders,
    LoginCodeBody,
    SignInProviderList,
    StartProviderSignIn,
    UnlinkIdentity,
)
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.domain.replies import LoginOutcome
from usersvc.edge.body import parse_body
from usersvc.edge.broker_cookie import binding_digest, binding_token, set_binding
from usersvc.edge.errors import ApiError, one_time_token_refusals
from usersvc.edge.openapi import Parameter, operation
from usersvc.edge.route_steps import admit, admit_anonymous, send

provider_sign_in = Blueprint("provider_sign_in", url_prefix="/v1/auth")
TAG = "identity-providers"
RETURN_TO = Parameter(
    "return_to",
    "query",
    "Where the browser goes back with ?login_code=…: a URL on this service, or exactly a registered"
    " OAuth client's redirect URI (anything else: 400)",
    {"type": "string", "maxLength": 2000},
    required=True,
)
# The provider's own slow answers (discovery, the token request, its keys) come on top of a
# command's usual time.
UPSTREAM_SECONDS = 20


@provider_sign_in.get("/providers")
@operation(
    operation_id="identity.providers",
    summary="The providers you can sign in with ('Continue with …')",
    tag=TAG,
    secured=False,
    response=SignInProviderList,
)
async def offered_providers(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="providers", limit=request.app.ctx.settings.read_limit)
    return json(await send(request, ListIdentityProviders(public=True)))


@provider_sign_in.get("/providers/<slug:str>/start")
@operation(
    operation_id="identity.start",
    summary="Go to the provider to sign in (302); comes back to return_to with a login_code",
    tag=TAG,
    secured=False,
    status=302,
    parameters=(RETURN_TO,),
    errors=(400, 404),
    content_type="text/plain",
)
async def start(request: Request, slug: str) -> HTTPResponse:
    await admit_anonymous(request, scope="provider_sign_in", limit=request.app.ctx.settings.read_limit)
    return_to = request.args.get("return_to") or ""
    binding = binding_token(request) or new_opaque_token()
    try:
        command = StartProviderSignIn(
            slug=slug[:100],
            return_to=return_to,
            state=new_opaque_token(),
            browser_binding_digest=opaque_token_digest(binding),
        )
    except ValidationError:
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "return_to is missing or too long") from None
    if not return_to:
        raise ApiError(ErrorCode.MALFORMED_REQUEST, "return_to is missing")
    reply = await _call(request, command)
    response = redirect(reply["authorization_url"], status=302, headers={"Cache-Control": "no-store"})
    set_binding(response, binding, secure=request.app.ctx.provider_pages.secure_cookies)
    return response


async def _call(request: Request, command: Command) -> dict:
    """As the edge itself, waiting also for the provider's answers."""
    return await send(request, command, extra_seconds=UPSTREAM_SECONDS)


@provider_sign_in.get("/providers/<slug:str>/callback")
@operation(
    operation_id="identity.callback",
    summary="The provider sends the browser back here (the callback_url to register there)",
    tag=TAG,
    secured=False,
    in_document=False,
)
async def callback(request: Request, slug: str) -> HTTPResponse:
    await admit_anonymous(request, scope="provider_sign_in", limit=request.app.ctx.settings.read_limit)
    pages = request.app.ctx.provider_pages
    state = request.args.get("state") or ""
    login_code = new_opaque_token()
    try:
        command = CompleteProviderSignIn(
            slug=slug[:100],
            state_digest=opaque_token_digest(state),
            browser_binding_digest=binding_digest(request),
            code=request.args.get("code"),
            error=(request.args.get("error") or "")[:200] or None,
            login_code_digest=opaque_token_digest(login_code),
        )
        if not state:
            raise ApiError(ErrorCode.INVALID_TOKEN, "The provider's answer has no state. Start again.")
        reply = await _call(request, command)
    except ValidationError:
        return pages.render(request, "error.html", status=400, message="The provider's answer cannot be read.")
    except ApiError as refusal:
        status = 400 if refusal.code == ErrorCode.INVALID_TOKEN else refusal.status
        return pages.render(request, "error.html", status=status, message=refusal.message)
    target = reply["return_to"]
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}login_code={login_code}", status=302, headers={"Cache-Control": "no-store"})


@provider_sign_in.post("/providers/exchange")
@operation(
    operation_id="identity.exchange",
    summary="Spend a login code for the login answer (tokens, or mfa_required)",
    tag=TAG,
    secured=False,
    body=LoginCodeBody,
    response=LoginOutcome,
    errors=(400, 403, 409),
    description="400 `INVALID_TOKEN`: a used, unknown or expired code. 409 `IDENTITY_LINK_REQUIRED`: an account"
    " has the provider's address; its owner links the identity (POST /v1/auth/identities/link) with the same"
    " code. 403: no account is linked and the provider may not create accounts. An account with MFA on gets"
    " `mfa_required`, unless the provider `trusts_amr_second_factor` and its ID token's `amr` names a second"
    ' factor: then the login answer, its tokens\' `amr` `["ext", "mfa"]`.',
)
async def exchange(request: Request) -> HTTPResponse:
    await admit_anonymous(request, scope="login")
    body = parse_body(request, LoginCodeBody)
    with one_time_token_refusals():
        return json(await send(request, ExchangeLoginCode(login_code_digest=opaque_token_digest(body.login_code))))


@provider_sign_in.post("/identities/link")
@operation(
    operation_id="identity.link",
    summary="Link the identity of a login code to your account: with the account's password, or your bearer",
    tag=TAG,
    secured=False,
    body=LinkIdentityBody,
    response=LinkOutcome,
    errors=(400, 401, 403, 409),
    description="With a password: the account with the provider's address, when the provider is trusted to"
    " verify addresses; the answer is the login answer. With a bearer token (no password): your account; the"
    " sign-in must have been started in the same browser; the answer is the linked identity.",
)
async def link(request: Request) -> HTTPResponse:
    body = parse_body(request, LinkIdentityBody)
    digest = opaque_token_digest(body.login_code)
    if body.password is None:
        caller = await admit(request, write=True)
        command = LinkIdentity(
            login_code_digest=digest, user_id=caller.user_id, browser_binding_digest=binding_digest(request)
        )
        with one_time_token_refusals():
            return json(await send(request, command, caller=caller))
    await admit_anonymous(request, scope="login")
    with one_time_token_refusals():
        return json(await send(request, LinkIdentity(login_code_digest=digest, password=body.password)))


@provider_sign_in.get("/identities")
@operation(operation_id="identity.list", summary="Your linked identities", tag=TAG, response=LinkedIdentityList)
async def list_identities(request: Request) -> HTTPResponse:
    caller = await admit(request)
    return json(await send(request, ListIdentities(user_id=caller.user_id), caller=caller))


@provider_sign_in.delete("/identities/<identity_id:str>")
@operation(
    operation_id="identity.unlink",
    summary="Remove a linked identity (never your last way to sign in: 409 LAST_SIGN_IN_METHOD)",
    tag=TAG,
    status=204,
    errors=(404, 409),
)
async def unlink(request: Request, identity_id: str) -> HTTPResponse:
    caller = await admit(request, write=True)
    try:
        target = uuid.UUID(identity_id)
    except ValueError:
        raise ApiError(ErrorCode.NOT_FOUND, "Identity not found") from None
    await send(request, UnlinkIdentity(user_id=caller.user_id, identity_id=target), caller=caller)
    return empty()
