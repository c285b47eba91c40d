"""The mfa_token: what a correct password earns when MFA is on, spent by one correct code.

32 random bytes, URL-safe; only its SHA-256 is stored (256 random bits leave nothing to
guess, so a slow hash would add cost and no safety). It is not a JWT, so the edge can never
take it for an access token.
"""

import hashlib
import secrets
from datetime import timedelta

LIFETIME = timedelta(minutes=5)
MAX_WRONG_CODES = 5


def new_mfa_token() -> str:
    return secrets.token_urlsafe(32)


def mfa_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
