"""Imported password hashes: which are accepted, and how they are upgraded on login."""

import pytest
from passlib.hash import argon2, bcrypt, pbkdf2_sha256
from pydantic import ValidationError

from usersvc.domain.commands import ImportedUser, ImportUsers
from usersvc.domain.passwords import PasswordHasher, imported_hash_problem

PASSWORD = "Old!pass1"
HASHER = PasswordHasher(rounds=4)


def _imported(password: str = PASSWORD) -> dict[str, str]:
    return {
        "bcrypt": bcrypt.using(rounds=4).hash(password),
        "argon2": argon2.hash(password),
        "pbkdf2_sha256": pbkdf2_sha256.hash(password),
    }


@pytest.mark.parametrize("scheme", ["bcrypt", "argon2", "pbkdf2_sha256"])
def test_an_imported_hash_verifies_and_is_upgraded_to_the_current_scheme(scheme):
    stored = _imported()[scheme]
    assert imported_hash_problem(stored) is None
    ok, upgraded = HASHER.verify_and_update(PASSWORD, stored)
    assert ok and upgraded is not None
    assert HASHER.scheme_of(upgraded) == "bcrypt_sha256"
    assert HASHER.verify_and_update(PASSWORD, upgraded) == (True, None)
    assert HASHER.verify_and_update("Wrong!pass1", stored) == (False, None)


def test_a_plain_verify_of_an_imported_hash_makes_no_new_hash(monkeypatch):
    """verify() (the re-authentication checks) has no use for the upgrade: no bcrypt spent on it."""
    stored = _imported()["pbkdf2_sha256"]
    hasher = PasswordHasher(rounds=4)
    made = []
    monkeypatch.setattr(hasher._context, "hash", lambda *args, **kwargs: made.append(args))
    assert hasher.verify(PASSWORD, stored) is True
    assert hasher.verify("Wrong!pass1", stored) is False
    assert made == []


def test_a_current_hash_is_not_upgraded():
    assert HASHER.verify_and_update(PASSWORD, HASHER.hash(PASSWORD)) == (True, None)


def test_a_long_password_verifies_against_plain_bcrypt_as_bcrypt_always_did_and_keeps_working_upgraded():
    password = "Ab1!" * 30  # 120 bytes; bcrypt saw only the first 72
    stored = bcrypt.using(rounds=4).hash(password.encode()[:72])
    ok, upgraded = HASHER.verify_and_update(password, stored)
    assert ok
    assert HASHER.verify(password, upgraded)
    assert not HASHER.verify(password[:72], upgraded)  # the upgrade holds the whole password


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain-text",
        "$1$md5crypt$abc",
        "$2b$04$short",
        "$pbkdf2-sha256$29000$c2FsdHNhbHQ",
        "$argon2id$v=19$m=65536,t=3,p=4$junk",
    ],
)
def test_unknown_or_malformed_hashes_are_rejected_with_a_reason_that_does_not_quote_them(bad):
    problem = imported_hash_problem(bad)
    assert problem
    assert not bad or bad not in problem
    assert HASHER.verify_and_update(PASSWORD, bad) == (False, None)


def test_the_import_command_takes_at_most_1000_users_and_checks_each_hash():
    user = {
        "username": "imported_1",
        "email": "Imp@Example.com",
        "first_name": "I",
        "last_name": "M",
        "password_hash": _imported()["argon2"],
    }
    assert ImportedUser.model_validate(user).email == "imp@example.com"
    with pytest.raises(ValidationError):
        ImportUsers(users=[ImportedUser.model_validate(user)] * 1001)
    with pytest.raises(ValidationError) as refused:
        ImportedUser.model_validate({**user, "password_hash": "secret-in-clear"})
    assert "password_hash" in str(refused.value.errors()[0]["loc"])
