"""Recovery codes: ten single-use codes handed out once, when MFA is turned on.

Each is 10 characters from a 31-letter alphabet without look-alikes (about 49 random bits),
shown as `xxxxx-xxxxx`. Only a keyed digest is stored (HMAC-SHA256 under a key derived from
SECRET_KEY): a database dump alone gives nothing to test guesses against, and online
guessing is bounded by the five tries an mfa_token allows and the login back-off.
"""

import hashlib
import hmac
import secrets

COUNT = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUP_LENGTH = 5


def new_recovery_codes() -> list[str]:
    return [_new_code() for _ in range(COUNT)]


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(2 * GROUP_LENGTH))
    return f"{raw[:GROUP_LENGTH]}-{raw[GROUP_LENGTH:]}"


def _normalized(code: str) -> str:
    """Case, spaces and dashes do not matter when a code is typed back."""
    return "".join(code.split()).replace("-", "").lower()


class RecoveryCodeDigester:
    def __init__(self, secret_key: str) -> None:
        self._key = hmac.digest(secret_key.encode(), b"usersvc:mfa-recovery-codes", "sha256")

    def digest(self, code: str) -> str:
        return hmac.new(self._key, _normalized(code).encode(), hashlib.sha256).hexdigest()
