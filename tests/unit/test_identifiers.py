"""Identifier normalisation: look-alikes that normalise the same become one stored form."""

import pytest
from pydantic import ValidationError

from usersvc.domain.commands import CreateUser, LoginBody, UserPatchBody
from usersvc.domain.identifiers import email_form, fold, login_email, mixes_lookalike_scripts

PROFILE = {"first_name": "A", "last_name": "B", "password": "Passw0rd!"}


@pytest.mark.parametrize(
    "variant",
    [
        "admin@example.com",
        "ADMIN@EXAMPLE.COM",
        "Admin@Example.com",
        "ａｄｍｉｎ@example.com",  # full-width local part
        "ＡＤＭＩＮ@ｅｘａｍｐｌｅ.ｃｏｍ",  # full-width everything
        "admin＠example.com",  # full-width at sign
    ],
)
def test_case_and_compatibility_variants_of_an_address_have_one_form(variant):
    assert email_form(variant) == "admin@example.com"


def test_a_domain_in_unicode_and_in_punycode_has_one_form():
    assert email_form("user@bücher.example") == email_form("user@xn--bcher-kva.example") == "user@bücher.example"
    assert email_form("USER@BÜCHER.EXAMPLE") == "user@bücher.example"


def test_case_folding_goes_beyond_lower_casing():
    assert email_form("STRASSE@example.de") == email_form("straße@example.de") == "strasse@example.de"
    assert fold("ﬁle") == "file"


@pytest.mark.parametrize("address", ["аdmin@example.com", "pаypal@example.com", "admin@exаmple.com"])
def test_latin_mixed_with_cyrillic_look_alikes_is_refused(address):
    with pytest.raises(ValueError, match="look-alikes"):
        email_form(address)


def test_a_name_wholly_in_another_script_is_allowed():
    assert email_form("иван@пример.рф") == "иван@пример.рф"
    assert email_form("Ελένη@example.gr") == "ελένη@example.gr"
    assert not mixes_lookalike_scripts("taro山田")


def test_commands_store_emails_normalised_and_usernames_in_ascii():
    user = CreateUser(username="ａｄｍｉｎ_1", email="ＡＤＭＩＮ@Example.com", **PROFILE)
    assert (user.username, user.email) == ("admin_1", "admin@example.com")
    assert UserPatchBody(email="user@xn--bcher-kva.example").email == "user@bücher.example"


@pytest.mark.parametrize("username", ["аdmin", "admín", "ad min"])
def test_usernames_that_are_not_ascii_after_nfkc_are_refused(username):
    with pytest.raises(ValidationError):
        CreateUser(username=username, email="a@example.com", **PROFILE)


def test_login_reads_identifiers_as_they_are_stored():
    assert LoginBody(email="ａｄｍｉｎ@EXAMPLE.com", password="x").email == "admin@example.com"
    assert LoginBody(username="ａｄｍｉｎ", password="x").username == "admin"
    assert login_email(" not an address ") == "not an address"
