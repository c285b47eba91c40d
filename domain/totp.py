"""TOTP, the second login factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps).

A code is accepted in its own step and in the neighbouring ones (clocks drift), and each
step at most once per user: the caller keeps the last accepted step and passes it back, so
a code seen over someone's shoulder, or replayed from a log, is refused.
"""

import hmac
from datetime import datetime

import pyotp

ISSUER = "usersvc"
DIGITS = 6
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits, base32 (what authenticator apps expect)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, account: str) -> str:
    """`otpauth://totp/usersvc:<account>?secret=…&issuer=usersvc`, for a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def normalized_code(code: str) -> str:
    """Apps show codes as `123 456`; people paste them with the space."""
    return "".join(code.split())


def looks_like_totp_code(code: str) -> bool:
    code = normalized_code(code)
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def accepted_step(secret: str, code: str, *, now: datetime, after_step: int | None) -> int | None:
    """The step `code` belongs to, if that step is current (± DRIFT_STEPS) and later than
    `after_step` (the last one accepted for this user); else None."""
    code = normalized_code(code)
    if not looks_like_totp_code(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    accepted = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every candidate is compared, in constant time, whatever matched before.
        matches = hmac.compare_digest(totp.generate_otp(step), code)
        if matches and accepted is None and (after_step is None or step > after_step):
            accepted = step
    return accepted
