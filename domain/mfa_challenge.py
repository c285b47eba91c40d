"""The mfa_token: what a correct password earns when MFA is on, spent by one correct code.

An opaque token (domain/opaque_tokens.py): only its digest is stored. It is not a JWT, so the
edge can never take it for an access token.
"""

from datetime import timedelta

LIFETIME = timedelta(minutes=5)
MAX_WRONG_CODES = 5
