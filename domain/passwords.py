"""Password policy and hashing.

bcrypt_sha256 is bcrypt (cost from settings) over an HMAC-SHA256 of the password, so the
contract's 128-character passwords work although bcrypt itself stops at 72 bytes.

Imported users bring hashes of other schemes (bcrypt, argon2, PBKDF2-SHA256, in the usual
modular-crypt format): they verify as they are, and are replaced by the current scheme on
the first successful login.
"""

import logging
import re
import time

from passlib.context import CryptContext

log = logging.getLogger(__name__)
CURRENT_SCHEME = "bcrypt_sha256"
IMPORTED_SCHEMES = ("bcrypt", "argon2", "pbkdf2_sha256")
BCRYPT_MAX_BYTES = 72
# Identifies and parses hashes only; never hashes, so no cost setting matters here.
_IMPORTABLE = CryptContext(schemes=[CURRENT_SCHEME, *IMPORTED_SCHEMES])

# The hash of an account that has no password (made through another provider): no scheme
# has this form, so nothing verifies against it (PasswordHasher.verify).
UNUSABLE_PASSWORD_PREFIX = "!unusable:"  # noqa: S105  # a marker, not a password


def unusable_password_hash(salt: str) -> str:
    return UNUSABLE_PASSWORD_PREFIX + salt


def has_usable_password(password_hash: str) -> bool:
    return not password_hash.startswith(UNUSABLE_PASSWORD_PREFIX)


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


def imported_hash_problem(password_hash: str) -> str | None:
    """What is wrong with a hash brought by an import, or None when it can be verified.
    The message never quotes the hash."""
    scheme = _IMPORTABLE.identify(password_hash)
    if scheme is None:
        return "not a bcrypt, argon2 or PBKDF2-SHA256 hash in modular-crypt format ($2b$, $argon2id$, $pbkdf2-sha256$)"
    try:
        parsed = _IMPORTABLE.handler(scheme).from_string(password_hash)
    except ValueError:
        return f"a malformed {scheme} hash"
    if not parsed.checksum:
        return f"a {scheme} configuration string without a digest"
    return None


class PasswordHasher:
    """Blocking by design (about 0.2 s at cost 12): callers run it off the event loop (in a thread)."""

    def __init__(self, *, rounds: int) -> None:
        self._context = CryptContext(
            schemes=[CURRENT_SCHEME, *IMPORTED_SCHEMES],
            default=CURRENT_SCHEME,
            deprecated=list(IMPORTED_SCHEMES),
            bcrypt_sha256__rounds=rounds,
        )
        # Verified against when the user is unknown, so failures cost the same time.
        self._dummy_hash = self._context.hash("dummy-password-for-timing")
        self._current_verify_seconds = max(self._time_dummy_verify() for _ in range(2))

    def _time_dummy_verify(self) -> float:
        started = time.perf_counter()
        self._context.verify("dummy-password-for-timing", self._dummy_hash)
        return time.perf_counter() - started

    def hash(self, password: str) -> str:
        return str(self._context.hash(password))

    def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether it matches (no new hash is made: see verify_and_update)."""
        if password_hash is None or not has_usable_password(password_hash):
            self._context.verify(password, self._dummy_hash)
            return False
        scheme = self._context.identify(password_hash)
        # Plain bcrypt only ever saw the first 72 bytes (the bcrypt package now refuses more).
        candidate = password.encode()[:BCRYPT_MAX_BYTES] if scheme == "bcrypt" else password
        started = time.perf_counter()
        try:
            ok = self._context.verify(candidate, password_hash)
        except (ValueError, TypeError):
            log.warning("a stored password hash (scheme %s) cannot be verified", scheme)
            ok = False
        if scheme != CURRENT_SCHEME:
            # A cheaper imported hash would answer faster than an unknown user (the dummy
            # verify): wait out the difference, so timing does not tell imported accounts apart.
            time.sleep(max(0.0, self._current_verify_seconds - (time.perf_counter() - started)))
        return bool(ok)

    def verify_and_update(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """(whether it matches, the password hashed with the current scheme when the stored
        hash is of an older one and it matched — store it in its place)."""
        if not self.verify(password, password_hash):
            return False, None
        if password_hash is not None and self._context.needs_update(password_hash):
            return True, self._context.hash(password)  # the whole password, not the bcrypt prefix
        return True, None

    def scheme_of(self, password_hash: str) -> str | None:
        scheme = self._context.identify(password_hash)
        return str(scheme) if scheme is not None else None
