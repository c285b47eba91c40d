"""No token outlives its session's maximum age (docs/api.md, "Sessions")."""

from datetime import datetime, timedelta, timezone

import jwt

from usersvc.tokens import TokenCodec

SECRET = "x" * 32


def _exp(token: str) -> datetime:
    return datetime.fromtimestamp(jwt.decode(token, options={"verify_signature": False})["exp"], timezone.utc)


def test_tokens_are_cut_at_the_session_end():
    codec = TokenCodec(secret=SECRET, access_minutes=15, refresh_minutes=7 * 24 * 60)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ends_at = now + timedelta(minutes=5)
    pair = codec.issue(user_id="u", session_id="s", role="user", now=now, not_after=ends_at)
    assert _exp(pair.refresh_token) == ends_at
    assert _exp(pair.access_token) == ends_at
    assert pair.expires_in == 300


def test_without_a_cap_the_configured_lifetimes_apply():
    codec = TokenCodec(secret=SECRET, access_minutes=15, refresh_minutes=60)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    pair = codec.issue(user_id="u", session_id="s", role="user", now=now, not_after=now + timedelta(days=30))
    assert _exp(pair.refresh_token) == now + timedelta(minutes=60)
    assert _exp(pair.access_token) == now + timedelta(minutes=15) and pair.expires_in == 900
