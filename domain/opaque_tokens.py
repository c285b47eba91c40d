"""Opaque random tokens: the one-time tokens of mailed links, the mfa_token of a login, and
refresh tokens.

32 random bytes, URL-safe (43 characters). Only a SHA-256 of one is stored: with 256 random
bits there is nothing to guess, so a slow hash would add cost and no safety.
"""

import hashlib
import secrets

TOKEN_BYTES = 32


def new_opaque_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def opaque_token_digest(token: str) -> str:
    """What is stored and looked up in place of the token."""
    return hashlib.sha256(token.encode()).hexdigest()
