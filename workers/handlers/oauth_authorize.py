"""oauth.authorize: one step of an authorization request (docs/oidc.md, "The flow").

The edge sends every step (first visit, after sign-in, after consent) with the request's raw
parameters, so they are checked here, in one place, each time. The reply says what happens
next: `error_page` (no trustworthy redirect URI: never redirect), `error` (back to the
client), `login` or `consent` (a page), or `code` (the code whose digest the edge made is
now stored, bound to client, redirect URI, PKCE challenge, user and session).
"""

import uuid
from datetime import timedelta

from usersvc.domain.oauth import (
    CODE_SECONDS,
    OAuthError,
    challenge_is_well_formed,
    parse_scope,
    redirect_uri_matches,
)
from usersvc.domain.oauth_commands import AuthorizationRequest, Authorize
from usersvc.domain.rbac import Principal, Role
from usersvc.workers.deps import WorkerDeps
from usersvc.workers.models import OAuthClient, OAuthCode, OAuthConsent, UserSession
from usersvc.workers.repositories.oauth import live_browser_session
from usersvc.workers.routing import Handlers
from usersvc.workers.unit_of_work import CommandEnvelope, UnitOfWork

PROMPTS = {"none", "login", "consent", "select_account"}


def _error_page(message: str) -> dict:
    return {"outcome": "error_page", "message": message}


def _checked(request: AuthorizationRequest, client: OAuthClient) -> tuple[list[str], set[str], int | None]:
    """The request's scopes, prompts and max_age, or the OAuthError to send back."""
    if request.request is not None:
        raise OAuthError("request_not_supported", "Request objects are not supported")
    if request.request_uri is not None:
        raise OAuthError("request_uri_not_supported", "request_uri is not supported")
    if request.response_mode not in (None, "query"):
        raise OAuthError("invalid_request", "Only response_mode=query is supported")
    if request.response_type != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported")
    if "authorization_code" not in client.grant_types:
        raise OAuthError("unauthorized_client", "This client may not use the authorization code flow")
    scopes = parse_scope(request.scope)
    if not scopes:
        raise OAuthError("invalid_scope", "scope is required")
    if unknown := [scope for scope in scopes if scope not in client.scopes]:
        raise OAuthError("invalid_scope", f"Not allowed for this client: {' '.join(unknown)}")
    if request.code_challenge is None:
        if request.code_challenge_method is not None:
            raise OAuthError("invalid_request", "code_challenge_method without code_challenge")
        if client.type == "public":
            raise OAuthError("invalid_request", "PKCE is required: send code_challenge with method S256")
    elif request.code_challenge_method != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256")
    elif not challenge_is_well_formed(request.code_challenge):
        raise OAuthError("invalid_request", "code_challenge must be 43 base64url characters")
    prompts = set(parse_scope(request.prompt))
    if not prompts <= PROMPTS or ("none" in prompts and len(prompts) > 1):
        raise OAuthError("invalid_request", "prompt must be none, or any of login, consent, select_account")
    max_age = None
    if request.max_age is not None:
        if not request.max_age.isascii() or not request.max_age.isdigit() or len(request.max_age) > 9:
            raise OAuthError("invalid_request", "max_age must be a number of seconds")
        max_age = int(request.max_age)
    return scopes, prompts, max_age


async def _grant_consent(
    unit: UnitOfWork, consent: OAuthConsent | None, *, user_id: uuid.UUID, client_id: str, scopes: list[str]
) -> None:
    granted = sorted(set(scopes) | set(consent.scopes if consent else []))
    new = consent is None
    if consent is None:
        consent = OAuthConsent(id=uuid.uuid4(), user_id=user_id, client_id=client_id)
    consent.scopes, consent.granted_at = granted, unit.now
    await unit.oauth.save_consent(consent, new=new)
    facts = {"user_id": str(user_id), "client_id": client_id, "scopes": granted}
    unit.record(
        action="oauth.consent_granted",
        entity_type="oauth_consent",
        entity_id=str(consent.id),
        old=None,
        new=facts,
        event="oauth.consent_granted",
        event_data=facts,
    )


async def _step(deps: WorkerDeps, unit: UnitOfWork, command: Authorize) -> dict:
    request = command.request
    client = await unit.oauth.client(request.client_id)
    if client is None:
        return _error_page("This application is not registered with usersvc.")
    if not request.redirect_uri or not redirect_uri_matches(request.redirect_uri, client.redirect_uris):
        return _error_page("The application sent a redirect address that it has not registered.")
    back = {"redirect_uri": request.redirect_uri, "state": request.state, "client_name": client.name}
    try:
        return {**back, **await _decide(deps, unit, command, client)}
    except OAuthError as error:
        return {**back, "outcome": "error", **error.as_json()}


async def _decide(deps: WorkerDeps, unit: UnitOfWork, command: Authorize, client: OAuthClient) -> dict:
    request = command.request
    scopes, prompts, max_age = _checked(request, client)
    signed_in = await live_browser_session(unit, command.browser_session_digest)
    fresh = command.signed_in_now and signed_in is not None
    too_old = (
        signed_in is not None
        and max_age is not None
        and signed_in[0].auth_time is not None
        and unit.now - signed_in[0].auth_time > timedelta(seconds=max_age)
    )
    if signed_in is None or (not fresh and ("login" in prompts or "select_account" in prompts or too_old)):
        if "none" in prompts:
            raise OAuthError("login_required", "The user is not signed in")
        return {"outcome": "login", "login_hint": request.login_hint}
    session, user = signed_in
    unit.principal = Principal(kind="user", id=str(user.id), role=Role(user.role))  # audit: who signs in
    if not client.first_party:
        if command.consent == "deny":
            raise OAuthError("access_denied", "The user denied the request")
        consent = await unit.oauth.consent(user_id=user.id, client_id=client.client_id)
        if command.consent == "allow":
            await _grant_consent(unit, consent, user_id=user.id, client_id=client.client_id, scopes=scopes)
        elif consent is None or not set(scopes) <= set(consent.scopes) or "consent" in prompts:
            if "none" in prompts:
                raise OAuthError("consent_required", "The user has not consented to this request")
            return {"outcome": "consent", "scopes": scopes, "username": user.username}
    await _issue_code(unit, command, client=client, session=session, scopes=scopes)
    return {"outcome": "code"}


async def _issue_code(
    unit: UnitOfWork, command: Authorize, *, client: OAuthClient, session: UserSession, scopes: list[str]
) -> None:
    request = command.request
    code = OAuthCode(
        code_hash=command.code_digest,
        client_id=client.client_id,
        user_id=session.user_id,
        browser_session_id=session.id,
        redirect_uri=request.redirect_uri,
        scopes=scopes,
        nonce=request.nonce,
        code_challenge=request.code_challenge,
        auth_time=session.auth_time or session.created_at,
        amr=session.amr or ["pwd"],
        expires_at=unit.now + timedelta(seconds=CODE_SECONDS),
        created_at=unit.now,
    )
    await unit.oauth.add_code(code)
    # The sign-in through a client, with its client_id.
    unit.record(
        action="oauth.authorize",
        entity_id=str(session.user_id),
        old=None,
        new={"client_id": client.client_id, "scopes": scopes, "session_id": str(session.id)},
    )


async def authorize(deps: WorkerDeps, envelope: CommandEnvelope[Authorize]) -> dict:
    """Edge only. Not recorded for replay: each step's code digest is new."""
    async with deps.unit_of_work(envelope, idempotent=False) as uow:
        await uow.begin()
        await uow.commit(await _step(deps, uow, envelope.data))
    return uow.reply


HANDLERS: Handlers = {Authorize: authorize}
