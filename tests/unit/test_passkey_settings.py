"""Passkeys' relying party from the settings, and the amr claim of access tokens."""

from datetime import UTC, datetime

import jwt

from usersvc.settings import Settings
from usersvc.signing_keys import generate_key, open_signing_key, signing_key_box
from usersvc.tokens import TokenIssuer


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, environment="development", **values)


def test_the_relying_party_is_public_urls_host_unless_told():
    settings = _settings(public_url="https://id.example.com:8443/base")
    assert settings.webauthn_relying_party_id == "id.example.com"
    assert settings.webauthn_origin_list == ["https://id.example.com:8443"]
    told = _settings(
        public_url="https://id.example.com",
        webauthn_rp_id="example.com",
        webauthn_origins="https://admin.example.com/, https://app.example.com",
    )
    assert told.webauthn_relying_party_id == "example.com"
    assert told.webauthn_origin_list == [
        "https://id.example.com",
        "https://admin.example.com",
        "https://app.example.com",
    ]


def test_access_tokens_carry_amr_when_given():
    box = signing_key_box("k" * 40)
    new = generate_key("EdDSA", box=box)
    key = open_signing_key(kid=new.kid, algorithm="EdDSA", sealed_private_key=new.sealed_private_key, box=box)
    issuer = TokenIssuer(issuer="https://id.example.com", audience="usersvc", access_minutes=15, refresh_minutes=60)
    now = datetime.now(UTC)
    with_amr = issuer.issue(key=key, user_id="u", session_id="s", role="user", now=now, amr=["pwd", "hwk"])
    without = issuer.issue(key=key, user_id="u", session_id="s", role="user", now=now)
    claims = {"options": {"verify_signature": False}}
    assert jwt.decode(with_amr.access_token, **claims)["amr"] == ["pwd", "hwk"]
    assert "amr" not in jwt.decode(without.access_token, **claims)
