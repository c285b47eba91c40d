"""Password policy and hashing.

bcrypt_sha256 is bcrypt (cost from settings) over an HMAC-SHA256 of the password, so the
contract's 128-character passwords work although bcrypt itself stops at 72 bytes.
"""

import re

from passlib.context import CryptContext

MIN_LENGTH = 8
MAX_LENGTH = 128
SPECIALS = "!@#$%^&*"
_RULES = (
    (re.compile(r"[A-Z]"), "an upper-case letter"),
    (re.compile(r"[a-z]"), "a lower-case letter"),
    (re.compile(r"[0-9]"), "a digit"),
    (re.compile(f"[{re.escape(SPECIALS)}]"), f"one of {SPECIALS}"),
)


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None when it meets the policy."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"must be {MIN_LENGTH}-{MAX_LENGTH} characters"
    missing = [name for pattern, name in _RULES if not pattern.search(password)]
    if missing:
        return "must contain " + ", ".join(missing)
    return None


class PasswordHasher:
    """Blocking by design (about 0.2 s at cost 12): callers run it off the event loop."""

    def __init__(self, *, rounds: int) -> None:
        self._context = CryptContext(schemes=["bcrypt_sha256"], bcrypt_sha256__rounds=rounds)
        # Verified against when the user is unknown, so failures cost the same time.
        self._dummy_hash = self._context.hash("dummy-password-for-timing")

    def hash(self, password: str) -> str:
        return self._context.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        if password_hash is None:
            self._context.verify(password, self._dummy_hash)
            return False
        return self._context.verify(password, password_hash)
