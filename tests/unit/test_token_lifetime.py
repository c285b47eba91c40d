"""No token outlives its session's maximum age (docs/api.md, "Sessions")."""

from datetime import UTC, datetime, timedelta

import jwt

from usersvc.signing_keys import generate_key, open_signing_key, signing_key_box
from usersvc.tokens import TokenIssuer

BOX = signing_key_box("x" * 32)
NEW_KEY = generate_key("EdDSA", box=BOX)
KEY = open_signing_key(kid=NEW_KEY.kid, algorithm="EdDSA", sealed_private_key=NEW_KEY.sealed_private_key, box=BOX)


def _issuer(*, refresh_minutes: int) -> TokenIssuer:
    return TokenIssuer(
        issuer="http://localhost:8000", audience="usersvc", access_minutes=15, refresh_minutes=refresh_minutes
    )


def _exp(token: str) -> datetime:
    return datetime.fromtimestamp(jwt.decode(token, options={"verify_signature": False})["exp"], UTC)


def test_tokens_are_cut_at_the_session_end():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ends_at = now + timedelta(minutes=5)
    pair = _issuer(refresh_minutes=7 * 24 * 60).issue(
        key=KEY, user_id="u", session_id="s", role="user", now=now, not_after=ends_at
    )
    assert _exp(pair.access_token) == ends_at
    assert pair.expires_in == 300


def test_without_a_cap_the_configured_lifetimes_apply():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    pair = _issuer(refresh_minutes=60).issue(
        key=KEY, user_id="u", session_id="s", role="user", now=now, not_after=now + timedelta(days=30)
    )
    assert _exp(pair.access_token) == now + timedelta(minutes=15) and pair.expires_in == 900
