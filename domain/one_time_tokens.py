"""One-time tokens mailed to a user: email verification and password reset.

A token is 32 random bytes, URL-safe (43 characters). Only its SHA-256 is stored: with
256 random bits there is nothing to guess, so a slow hash would add cost and no safety.
"""

import hashlib
import secrets
from enum import StrEnum


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password


def new_one_time_token() -> str:
    return secrets.token_urlsafe(32)


def one_time_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
