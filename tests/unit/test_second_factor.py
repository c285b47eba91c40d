"""TOTP steps, replay, recovery codes and mfa_tokens: the rules, without I/O."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from usersvc.domain.errors import DomainError
from usersvc.domain.opaque_tokens import new_opaque_token, opaque_token_digest
from usersvc.domain.rbac import Principal, Role, authorize_mfa_reset, authorize_own_mfa, require_service
from usersvc.domain.recovery_codes import COUNT, RecoveryCodeDigester, new_recovery_codes
from usersvc.domain.totp import accepted_step, new_secret, provisioning_uri

NOW = datetime(2026, 11, 30, 12, 0, 10, tzinfo=UTC)


def _code(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def test_a_code_is_accepted_in_its_step_and_the_neighbouring_ones_only():
    secret = new_secret()
    current = pyotp.TOTP(secret).timecode(NOW)
    for offset in (-1, 0, 1):
        code = _code(secret, NOW + timedelta(seconds=30 * offset))
        assert accepted_step(secret, code, now=NOW, after_step=None) == current + offset
    for offset in (-3, -2, 2, 3):
        code = _code(secret, NOW + timedelta(seconds=30 * offset))
        if code not in {_code(secret, NOW + timedelta(seconds=30 * near)) for near in (-1, 0, 1)}:
            assert accepted_step(secret, code, now=NOW, after_step=None) is None


def test_a_step_is_accepted_once_and_never_an_earlier_one():
    secret = new_secret()
    code = _code(secret, NOW)
    step = accepted_step(secret, code, now=NOW, after_step=None)
    assert accepted_step(secret, code, now=NOW, after_step=step) is None  # replay
    earlier = _code(secret, NOW - timedelta(seconds=30))
    if earlier != code:
        assert accepted_step(secret, earlier, now=NOW, after_step=step) is None
    later = _code(secret, NOW + timedelta(seconds=30))
    assert accepted_step(secret, later, now=NOW, after_step=step) == step + 1


def test_codes_may_be_typed_with_a_space_but_must_be_six_digits():
    secret = new_secret()
    code = _code(secret, NOW)
    assert accepted_step(secret, f"{code[:3]} {code[3:]}", now=NOW, after_step=None) is not None
    assert accepted_step(secret, code[:5], now=NOW, after_step=None) is None
    assert accepted_step(secret, "abcdef", now=NOW, after_step=None) is None


def test_the_provisioning_uri_names_the_issuer_and_the_account():
    secret = new_secret()
    uri = provisioning_uri(secret, account="jo@example.com")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/usersvc:jo%40example.com"
    query = parse_qs(parts.query)
    assert query["issuer"] == ["usersvc"] and query["secret"] == [secret]
    assert query.get("digits", ["6"]) == ["6"] and query.get("period", ["30"]) == ["30"]


def test_recovery_codes_are_distinct_and_their_digest_ignores_case_spaces_and_dashes():
    codes = new_recovery_codes()
    assert len(codes) == COUNT == len(set(codes))
    digester = RecoveryCodeDigester("k" * 40)
    code = codes[0]
    assert digester.digest(code) == digester.digest(code.upper().replace("-", " "))
    assert digester.digest(code) != digester.digest(codes[1])
    assert code not in digester.digest(code)


def test_recovery_code_digests_depend_on_the_secret_key():
    """A database dump without SECRET_KEY gives nothing to test guesses against."""
    code = new_recovery_codes()[0]
    assert RecoveryCodeDigester("a" * 40).digest(code) != RecoveryCodeDigester("b" * 40).digest(code)


def test_mfa_tokens_are_long_random_and_stored_as_digests():
    token = new_opaque_token()
    assert len(token) >= 43 and token != new_opaque_token()
    assert opaque_token_digest(token) != token and len(opaque_token_digest(token)) == 64
    assert token.count(".") != 2  # not a JWT: the edge can never take it for an access token


def test_mfa_and_import_rules_service_only_and_never_ones_own_reset():
    user, other = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
    service = Principal(kind="service", id="billing", role=Role.ADMIN)
    admin = Principal(kind="user", id=user, role=Role.ADMIN)
    edge_itself = Principal(kind="service", id="usersvc-edge", role=Role.USER)
    authorize_own_mfa(admin, user)
    authorize_own_mfa(service, other)
    authorize_mfa_reset(admin, other)
    require_service(service)
    for rule, principal, target in (
        (authorize_own_mfa, admin, other),
        (authorize_own_mfa, edge_itself, other),
        (authorize_mfa_reset, admin, user),
    ):
        with pytest.raises(DomainError):
            rule(principal, target)
    for principal in (admin, edge_itself):
        with pytest.raises(DomainError):
            require_service(principal)
