"""The provider's own pages (sign-in, second factor, consent, errors, sign-out): rendered
with Jinja2 (autoescaped), served under a strict CSP, their forms guarded against CSRF.

CSRF: a signed double submit. A random cookie (HttpOnly, SameSite=Lax) and, in each form, an
HMAC of it under SECRET_KEY: a cross-site page can neither read the cookie nor compute the
field. `Sec-Fetch-Site`, where the browser sends it, must also say the form came from here.
(`Origin` cannot serve: with `Referrer-Policy: no-referrer` browsers send `Origin: null` on
same-origin form posts.)

form-action: Chromium applies it to the redirects that follow a form's POST, so a page whose
form may end at the client names that client's redirect URI origin (checked by a worker
before the page is shown) besides 'self'.
"""

import hashlib
import hmac
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import HTTPResponse, Request, html

from usersvc.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "provider_templates"
CSRF_COOKIE = "usersvc_csrf"
SESSION_COOKIE = "usersvc_session"
CSRF_FIELD = "csrf_token"
PAGE_CSP = (
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
)
ORIGIN_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?")
STYLESHEET = (TEMPLATES / "provider.css").read_bytes()
PASSKEY_SCRIPT = (TEMPLATES / "passkey.js").read_bytes()


class ProviderPages:
    def __init__(self, settings: Settings) -> None:
        self._environment = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), auto_reload=False
        )
        self._csrf_key = hmac.digest(settings.secret_key.encode(), b"usersvc:provider-csrf", "sha256")
        self.secure_cookies = urlsplit(settings.public_url).scheme == "https" or settings.environment != "development"

    def session_token(self, request: Request) -> str | None:
        """The provider session's cookie (`__Host-` prefixed when secure: no subdomain can set it)."""
        return request.cookies.get(("__Host-" if self.secure_cookies else "") + SESSION_COOKIE)

    def set_session_token(self, response: HTTPResponse, token: str) -> None:
        # A session cookie: the provider session ends with the browser's, or at sign-out.
        response.add_cookie(
            SESSION_COOKIE,
            token,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.secure_cookies,
            host_prefix=self.secure_cookies,
        )

    def clear_session_token(self, response: HTTPResponse) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", host_prefix=self.secure_cookies)

    def render(
        self,
        request: Request,
        template: str,
        *,
        status: int = 200,
        form_target: str | None = None,
        scripts: bool = False,
        **values: object,
    ) -> HTTPResponse:
        """The page, with a CSRF token for its form (and the cookie it is bound to)."""
        cookie = request.cookies.get(CSRF_COOKIE) or ""
        fresh = len(cookie) != 43
        if fresh:
            cookie = secrets.token_urlsafe(32)
        body = self._environment.get_template(template).render(csrf_token=self._sign(cookie), **values)
        form_action = " ".join(("form-action 'self'", _origin(form_target or ""))).strip()
        response = html(body, status=status)
        # The sign-in page's one script (passkeys) is served from here; other pages run none.
        scripted = ("script-src 'self'", "connect-src 'self'") if scripts else ()
        response.headers["Content-Security-Policy"] = "; ".join((*PAGE_CSP, *scripted, form_action))
        response.headers["Cache-Control"] = "no-store"
        if fresh:
            response.add_cookie(
                CSRF_COOKIE, cookie, path="/oauth", httponly=True, samesite="Lax", secure=self.secure_cookies
            )
        return response

    def csrf_passes(self, request: Request, form_token: str | None) -> bool:
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return False
        cookie = request.cookies.get(CSRF_COOKIE) or ""
        return bool(cookie and form_token) and hmac.compare_digest(self._sign(cookie), form_token or "")

    def _sign(self, cookie: str) -> str:
        return hmac.new(self._csrf_key, cookie.encode(), hashlib.sha256).hexdigest()


def _origin(uri: str) -> str:
    """The origin as a CSP source, or nothing when the URI has none that is safe to name."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not ORIGIN_HOST.fullmatch(parts.netloc):
        return ""
    return f"{parts.scheme}://{parts.netloc}"
