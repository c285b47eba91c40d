"""/oauth/authorize and its pages (sign-in, second factor, consent), and /oauth/logout:
the browser side of the OpenID provider (docs/oidc.md).

Every step sends the authorization request's parameters to a worker (oauth.authorize),
which checks them again and says what comes next; the pages carry them in hidden fields.
The provider's browser session is a cookie holding a random token; the workers know only
its SHA-256.
"""

from urllib.parse import urlencode

import jwt
import orjson
from pydantic import ValidationError
from sanic import Blueprint, HTTPResponse, Request, redirect

from usersvc.domain.commands import LoginBody, MfaVerifyBody
from usersvc.domain.errors import ErrorCode
from usersvc.domain.identity_providers import ExchangeLoginCode, ListIdentityProviders
from usersvc.domain.oauth_commands import AuthorizationRequest, Authorize, EndSession
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.domain.passkey_commands import AuthenticateWithPasskey
from usersvc.edge.broker_cookie import binding_digest
from usersvc.edge.errors import ApiError
from usersvc.edge.oauth_forms import UnreadableParameters, form_values, present, query_values
from usersvc.edge.openapi import operation
from usersvc.edge.provider_pages import PASSKEY_SCRIPT, STYLESHEET, ProviderPages
from usersvc.edge.route_steps import admit_anonymous, send
from usersvc.edge.sign_in import code_step, passkey_step, password_step

oauth = Blueprint("oauth", url_prefix="/oauth")

REQUEST_FIELDS = tuple(AuthorizationRequest.model_fields)
PAGE = {"tag": "oidc", "secured": False, "in_document": False}
SCOPE_MEANINGS = {
    "openid": "Know who you are",
    "profile": "See your name and username",
    "email": "See your email address",
    "offline_access": "Keep access while you are away",
    "users:read": "Read users",
    "users:write": "Change users",
}
WRONG_SIGN_IN = "Wrong email, username or password."
HELD_BACK = "Too many attempts. Wait a moment, then try again."
PASSKEY_REFUSED = "That passkey was not accepted. Try again, or sign in with your password."


def _pages(request: Request) -> ProviderPages:
    return request.app.ctx.provider_pages


def _error_page(request: Request, message: str, *, status: int = 400) -> HTTPResponse:
    return _pages(request).render(request, "error.html", status=status, message=message)


def _authorization_request(values: dict[str, str]) -> AuthorizationRequest:
    return AuthorizationRequest(
        **{name: value for name in REQUEST_FIELDS if (value := present(values, name)) is not None}
    )


def _request_fields(params: AuthorizationRequest) -> list[tuple[str, str]]:
    """The request, as hidden fields of a page's form."""
    return [(name, value) for name, value in params.model_dump().items() if value is not None]


def _back_to_client(request: Request, redirect_uri: str, **values: str | None) -> HTTPResponse:
    """RFC 9207: `iss` in every response, so a client talking to several providers can tell
    which one answered."""
    query = urlencode(
        {**{k: v for k, v in values.items() if v is not None}, "iss": request.app.ctx.settings.token_issuer}
    )
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{separator}{query}", status=302, headers={"Cache-Control": "no-store"})


async def _signed_in(request: Request, params: AuthorizationRequest, browser_token: str) -> HTTPResponse:
    """Just signed in (its provider session keyed by `browser_token`): the request goes on, and
    the answer sets the session's cookie."""
    response = await _step(request, params, browser_token=browser_token, signed_in_now=True)
    _pages(request).set_session_token(response, browser_token)
    return response


async def _step(
    request: Request,
    params: AuthorizationRequest,
    *,
    browser_token: str | None = None,
    signed_in_now: bool = False,
    consent: str | None = None,
    error: str | None = None,
) -> HTTPResponse:
    """Ask a worker what comes next for this request, and answer it."""
    pages = _pages(request)
    cookie = browser_token or pages.session_token(request)
    code = new_opaque_token()
    command = Authorize(
        request=params,
        browser_session_digest=opaque_token_digest(cookie) if cookie else None,
        code_digest=opaque_token_digest(code),
        signed_in_now=signed_in_now,
        consent=consent,
    )
    try:
        reply = await send(request, command)
    except ApiError as refusal:
        return _error_page(request, refusal.message, status=refusal.status)
    outcome = reply["outcome"]
    if outcome == "error_page":
        return _error_page(request, reply["message"])
    redirect_uri = reply["redirect_uri"]
    if outcome == "error":
        return _back_to_client(
            request,
            redirect_uri,
            error=reply["error"],
            error_description=reply["error_description"],
            state=reply["state"],
        )
    if outcome == "code":
        return _back_to_client(request, redirect_uri, code=code, state=reply["state"])
    fields = _request_fields(params)
    if outcome == "consent":
        scopes = [(scope, SCOPE_MEANINGS.get(scope, scope)) for scope in reply["scopes"]]
        return pages.render(
            request,
            "consent.html",
            form_target=redirect_uri,
            client_name=reply["client_name"],
            username=reply["username"],
            scopes=scopes,
            request_fields=fields,
        )
    return pages.render(
        request,
        "sign_in.html",
        status=401 if error else 200,
        form_target=redirect_uri,
        scripts=True,
        client_name=reply["client_name"],
        identifier=reply.get("login_hint") or "",
        error=error,
        request_fields=fields,
        providers=await _other_providers(request, params),
    )


async def _other_providers(request: Request, params: AuthorizationRequest) -> list[dict]:
    """ "Continue with …" links, each coming back to this authorization request with a
    login code (docs/identity-providers.md). None when the workers cannot say."""
    try:
        offered = await send(request, ListIdentityProviders(public=True))
    except ApiError:
        return []
    back = f"{request.app.ctx.settings.public_url.rstrip('/')}/oauth/authorize?{urlencode(_request_fields(params))}"
    return [
        {"name": provider["name"], "href": f"{provider['start_url']}?{urlencode({'return_to': back})}"}
        for provider in offered["data"]
    ]


@oauth.route("/authorize", methods=["GET", "POST"])
@operation(operation_id="oidc.authorize", summary="The authorization endpoint (a browser page)", **PAGE)
async def authorize(request: Request) -> HTTPResponse:
    """GET with the request in the query, or POST with it form-encoded (OpenID Connect §3.1.2.1)."""
    await admit_anonymous(request, scope="authorize", limit=request.app.ctx.settings.read_limit)
    try:
        values = query_values(request) if request.method == "GET" else form_values(request)
        params = _authorization_request(values)
    except (UnreadableParameters, ValidationError):
        return _error_page(request, "The application sent an authorization request that cannot be read.")
    login_code = present(values, "login_code")
    if login_code is not None:
        return await _signed_in_elsewhere(request, params, login_code)
    return await _step(request, params)


async def _signed_in_elsewhere(request: Request, params: AuthorizationRequest, login_code: str) -> HTTPResponse:
    """Back from "Continue with …": the login code becomes this browser's provider session
    (only in the browser that started that sign-in), then the request goes on."""
    browser_token = new_opaque_token()
    try:
        command = ExchangeLoginCode(
            login_code_digest=opaque_token_digest(login_code),
            browser_session_digest=opaque_token_digest(browser_token),
            browser_binding_digest=binding_digest(request),
        )
        reply = await send(request, command)
    except ValidationError:
        return await _step(request, params, error="The sign-in expired. Sign in again.")
    except ApiError as refusal:
        if refusal.code == ErrorCode.INVALID_TOKEN:
            return await _step(request, params, error="The sign-in expired. Sign in again.")
        if refusal.code in (ErrorCode.IDENTITY_LINK_REQUIRED, ErrorCode.FORBIDDEN):
            return await _step(request, params, error=refusal.message)
        return _error_page(request, refusal.message, status=refusal.status)
    if reply.get("mfa_required"):
        return _mfa_page(request, params, reply["mfa_token"])
    return await _signed_in(request, params, browser_token)


def _page_form(request: Request) -> tuple[dict[str, str], AuthorizationRequest] | HTTPResponse:
    """A page's own form: its CSRF token checked, its request read back."""
    try:
        values = form_values(request)
        params = _authorization_request(values)
    except (UnreadableParameters, ValidationError):
        return _error_page(request, "The form could not be read. Start again from the application.")
    if not _pages(request).csrf_passes(request, values.get("csrf_token")):
        return _error_page(request, "This form expired or came from another site. Start again.", status=403)
    return values, params


def _login_body(identifier: str, password: str) -> LoginBody:
    if "@" in identifier:
        return LoginBody(email=identifier, password=password)
    return LoginBody(username=identifier, password=password)


@oauth.post("/authorize/sign-in")
@operation(operation_id="oidc.sign_in", summary="The sign-in page's form", **PAGE)
async def sign_in(request: Request) -> HTTPResponse:
    """As /v1/auth/login: its per-client limit, the account back-off, the audit trail."""
    form = _page_form(request)
    if isinstance(form, HTTPResponse):
        return form
    values, params = form
    try:
        await admit_anonymous(request, scope="login")
        body = _login_body(values.get("identifier", "").strip(), values.get("password", ""))
    except ApiError:
        return await _step(request, params, error=HELD_BACK)
    except ValidationError:
        return await _step(request, params, error=WRONG_SIGN_IN)
    browser_token = new_opaque_token()
    try:
        reply = await password_step(request, body, browser_session_digest=opaque_token_digest(browser_token))
    except ApiError as refusal:
        return await _refused_sign_in(request, params, refusal)
    if reply.get("mfa_required"):
        return _mfa_page(request, params, reply["mfa_token"])
    return await _signed_in(request, params, browser_token)


async def _refused_sign_in(
    request: Request, params: AuthorizationRequest, refusal: ApiError, *, wrong: str = WRONG_SIGN_IN
) -> HTTPResponse:
    """The sign-in page again for a wrong password or passkey (`wrong` says which) or a hold;
    the error page for anything else."""
    if refusal.code == ErrorCode.INVALID_CREDENTIALS:
        return await _step(request, params, error=wrong)
    if refusal.code == ErrorCode.RATE_LIMITED:
        return await _step(request, params, error=HELD_BACK)
    return _error_page(request, refusal.message, status=refusal.status)


@oauth.post("/authorize/passkey")
@operation(operation_id="oidc.passkey_sign_in", summary="The sign-in page's passkey form", **PAGE)
async def passkey_sign_in(request: Request) -> HTTPResponse:
    """A passkey alone (username-less), as POST /v1/auth/passkeys/authentication: the page's
    script fills the form's `credential` from the browser's authenticator."""
    form = _page_form(request)
    if isinstance(form, HTTPResponse):
        return form
    values, params = form
    browser_token = new_opaque_token()
    try:
        await admit_anonymous(request, scope="passkey")
        credential = orjson.loads(values.get("credential") or "null")
        command = AuthenticateWithPasskey(
            credential=credential, browser_session_digest=opaque_token_digest(browser_token)
        )
    except ApiError:
        return await _step(request, params, error=HELD_BACK)
    except (ValueError, ValidationError):
        return await _step(request, params, error=PASSKEY_REFUSED)
    try:
        await passkey_step(request, command)
    except ApiError as refusal:
        return await _refused_sign_in(request, params, refusal, wrong=PASSKEY_REFUSED)
    return await _signed_in(request, params, browser_token)


@oauth.get("/pages/passkey.js")
@operation(operation_id="oidc.passkey_script", summary="The sign-in page's passkey script", **PAGE)
async def passkey_script(request: Request) -> HTTPResponse:
    return HTTPResponse(
        PASSKEY_SCRIPT, content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "max-age=3600"}
    )


@oauth.post("/authorize/mfa")
@operation(operation_id="oidc.second_factor", summary="The second-factor page's form", **PAGE)
async def second_factor(request: Request) -> HTTPResponse:
    form = _page_form(request)
    if isinstance(form, HTTPResponse):
        return form
    values, params = form
    mfa_token = values.get("mfa_token", "")
    try:
        await admit_anonymous(request, scope="mfa")
        body = MfaVerifyBody(mfa_token=mfa_token, code=values.get("code", "").strip())
    except (ApiError, ValidationError):
        return _mfa_page(request, params, mfa_token, "That code is not right. Try again.")
    browser_token = new_opaque_token()
    try:
        await code_step(request, body, browser_session_digest=opaque_token_digest(browser_token))
    except ApiError as refusal:
        if refusal.code == ErrorCode.INVALID_CREDENTIALS:
            return _mfa_page(request, params, mfa_token, "That code is not right. Try again.")
        if refusal.code == ErrorCode.INVALID_TOKEN:  # spent, expired, or five wrong codes
            return await _step(request, params, error="The sign-in expired. Sign in again.")
        if refusal.code == ErrorCode.RATE_LIMITED:
            return _mfa_page(request, params, mfa_token, HELD_BACK)
        return _error_page(request, refusal.message, status=refusal.status)
    return await _signed_in(request, params, browser_token)


def _mfa_page(request: Request, params: AuthorizationRequest, mfa_token: str, error: str | None = None) -> HTTPResponse:
    """The second step. Its form ends at the client too: the redirect URI was checked by the
    step before, and whatever the hidden field now says, usersvc redirects only to a
    registered one."""
    return _pages(request).render(
        request,
        "mfa.html",
        status=401 if error else 200,
        form_target=params.redirect_uri,
        mfa_token=mfa_token,
        error=error,
        request_fields=_request_fields(params),
    )


@oauth.post("/authorize/consent")
@operation(operation_id="oidc.consent", summary="The consent page's form: Allow or Deny", **PAGE)
async def consent(request: Request) -> HTTPResponse:
    form = _page_form(request)
    if isinstance(form, HTTPResponse):
        return form
    values, params = form
    decision = values.get("consent")
    if decision not in ("allow", "deny"):
        return _error_page(request, "Choose Allow or Deny.")
    return await _step(request, params, consent=decision)


@oauth.get("/pages/provider.css")
@operation(operation_id="oidc.stylesheet", summary="The provider pages' stylesheet", **PAGE)
async def stylesheet(request: Request) -> HTTPResponse:
    return HTTPResponse(STYLESHEET, content_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=3600"})


def _verified_hint(request: Request, token: str | None) -> dict | None:
    """An ID token this provider issued (expired ones too: OpenID Connect RP-Initiated Logout
    §2), or None."""
    if not token or not token.isascii():
        return None
    keys = request.app.ctx.key_set.public_keys()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            return None
        claims = jwt.decode(
            token,
            key,
            algorithms=[key.algorithm_name],
            issuer=request.app.ctx.settings.token_issuer,
            options={"verify_exp": False, "verify_aud": False, "require": ["sub", "aud", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("type") == "access" or not isinstance(claims.get("aud"), str | list):
        return None
    return claims


@oauth.route("/logout", methods=["GET", "POST"])
@operation(operation_id="oidc.end_session", summary="RP-initiated logout (a browser page)", **PAGE)
async def end_session(request: Request) -> HTTPResponse:
    """With a valid id_token_hint the session ends at once; without one, the user confirms
    (a form with a CSRF token), so no other site can sign anyone out."""
    pages = _pages(request)
    await admit_anonymous(request, scope="authorize", limit=request.app.ctx.settings.read_limit)
    try:
        values = query_values(request) if request.method == "GET" else form_values(request)
    except UnreadableParameters:
        return _error_page(request, "The sign-out request cannot be read.")
    hint = _verified_hint(request, present(values, "id_token_hint"))
    confirmed = (
        request.method == "POST"
        and values.get("confirm") == "yes"
        and pages.csrf_passes(request, values.get("csrf_token"))
    )
    passed = {
        name: value
        for name in ("post_logout_redirect_uri", "state", "client_id", "ui_locales")
        if (value := present(values, name)) is not None
    }
    if hint is None and not confirmed:
        return pages.render(request, "logout.html", signed_out=False, request_fields=sorted(passed.items()))
    audience = hint.get("aud") if hint else None
    client_id = passed.get("client_id") or (audience if isinstance(audience, str) else (audience or [None])[0])
    cookie = pages.session_token(request)
    try:
        command = EndSession(
            browser_session_digest=opaque_token_digest(cookie) if cookie else None,
            hinted_session_id=hint.get("sid") if hint else None,
            hinted_user_id=hint.get("sub") if hint else None,
            client_id=client_id,
            post_logout_redirect_uri=passed.get("post_logout_redirect_uri"),
        )
        reply = await send(request, command)
    except ValidationError:
        return _error_page(request, "The sign-out request cannot be read.")
    except ApiError as refusal:
        return _error_page(request, refusal.message, status=refusal.status)
    if reply["redirect_uri"]:
        target = reply["redirect_uri"]
        query = urlencode({"state": passed["state"]}) if "state" in passed else ""
        response = redirect(f"{target}{'&' if '?' in target else '?'}{query}" if query else target, status=302)
    else:
        response = pages.render(request, "logout.html", signed_out=True)
    pages.clear_session_token(response)
    return response
