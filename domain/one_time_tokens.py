"""One-time tokens mailed to a user: email verification and password reset. They are opaque
tokens (domain/opaque_tokens.py): only their digest is stored."""

from enum import StrEnum


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password
