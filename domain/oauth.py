"""The rules of the OpenID Connect provider that both sides need: scopes and the claims
they release, client secrets, redirect-URI registration and matching, PKCE. No I/O.

Redirect URIs match exactly, as registered; the one exception is RFC 8252 §7.3: a loopback
redirect (`http://127.0.0.1` or `http://[::1]`) matches a registered loopback URI with any
port, since a native app learns its port only when it listens.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

OPENID_SCOPES = ("openid", "profile", "email", "offline_access")
USERS_READ, USERS_WRITE = "users:read", "users:write"
API_SCOPES = (USERS_READ, USERS_WRITE)  # usersvc's own REST API, for tokens issued to clients
SCOPES = OPENID_SCOPES + API_SCOPES
DEFAULT_CLIENT_SCOPES = list(OPENID_SCOPES)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
DEFAULT_GRANT_TYPES = ["authorization_code", "refresh_token"]
ID_TOKEN_ALGORITHMS = ("RS256",)
CLIENT_TYPES = ("confidential", "public")

CLAIMS_OF_SCOPE = {
    "profile": ("preferred_username", "given_name", "family_name", "name", "updated_at"),
    "email": ("email", "email_verified"),
}
# What the discovery document lists: the ID token's own claims, then the scoped ones.
CLAIMS_SUPPORTED = [
    "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "sid", "at_hash", "amr",
    *CLAIMS_OF_SCOPE["email"], *CLAIMS_OF_SCOPE["profile"],
]  # fmt: skip

CODE_SECONDS = 60
LOOPBACK_HOSTS = ("127.0.0.1", "::1")  # as urlsplit gives the host
MAX_REDIRECT_URI_LENGTH = 2000


def new_client_id() -> str:
    return secrets.token_urlsafe(18)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


class ClientSecretDigester:
    """Client secrets are random (256 bits), so a keyed SHA-256 is as safe as a slow hash and
    costs microseconds on every token request, where bcrypt would cost about 190 ms."""

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.digest(secret_key.encode(), b"usersvc:oauth-client-secrets", "sha256")

    def digest(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, secret: str, digest: str | None) -> bool:
        return digest is not None and hmac.compare_digest(self.digest(secret), digest)


def _is_loopback(parts: SplitResult) -> bool:
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def redirect_uri_problem(uri: str, *, development: bool) -> str | None:
    """Why a URI cannot be registered as a redirect (or post-logout redirect), or None."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return "too long"
    if not uri.isascii() or any(ord(char) <= 0x20 or char in '"<>\\^`{|}' for char in uri):
        return "must be an absolute URI without spaces or unsafe characters"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "must be an absolute URI"
    if not parts.scheme or not parts.netloc or not parts.hostname:
        return "must be an absolute URI"
    if parts.fragment or "#" in uri:
        return "must not contain a fragment"
    if parts.username is not None or parts.password is not None:
        return "must not contain a user name or password"
    if "*" in parts.netloc:
        return "wildcards are not allowed"
    if parts.scheme == "https" or _is_loopback(parts):
        return None
    if parts.scheme == "http" and development:
        return None
    return "must use https (plain http only for http://127.0.0.1 or http://[::1])"


def redirect_uri_matches(requested: str, registered: list[str]) -> bool:
    if requested in registered:
        return True
    try:
        asked = urlsplit(requested)
        asked.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if not _is_loopback(asked) or asked.username is not None or asked.password is not None or asked.fragment:
        return False
    for uri in registered:
        known = urlsplit(uri)
        same_place = (known.hostname, known.path, known.query) == (asked.hostname, asked.path, asked.query)
        if _is_loopback(known) and same_place:
            return True
    return False


def s256_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def verifier_is_well_formed(verifier: str) -> bool:
    """RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~]."""
    unreserved = all(char.isascii() and (char.isalnum() or char in "-._~") for char in verifier)
    return 43 <= len(verifier) <= 128 and unreserved


def challenge_is_well_formed(challenge: str) -> bool:
    """An S256 challenge is 43 base64url characters."""
    return len(challenge) == 43 and all(char.isascii() and (char.isalnum() or char in "-_") for char in challenge)


def parse_scope(scope: str | None) -> list[str]:
    """Space-separated, duplicates dropped, order kept."""
    return list(dict.fromkeys((scope or "").split()))


def user_claims(user: dict[str, Any], scopes: list[str]) -> dict[str, Any]:
    """The claims of the granted scopes, from a user resource (section 1's shape)."""
    claims: dict[str, Any] = {}
    if "profile" in scopes:
        name = f"{user['first_name']} {user['last_name']}".strip()
        claims.update(
            preferred_username=user["username"],
            given_name=user["first_name"],
            family_name=user["last_name"],
            name=name,
            updated_at=int(datetime.fromisoformat(user["updated_at"]).timestamp()),
        )
    if "email" in scopes:
        claims.update(email=user["email"], email_verified=bool(user["email_verified"]))
    return {name: value for name, value in claims.items() if value is not None}


class OAuthError(Exception):
    """An RFC 6749 error (`error`, `error_description`), answered in OAuth's own shape rather
    than section 1's: on the token endpoint as JSON, on the authorization endpoint in the
    redirect."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    @property
    def status(self) -> int:
        return 401 if self.error == "invalid_client" else 400

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
