"""edge/header_sanitizer.py gives exactly what Sanic's own sanitizer gives."""

from sanic.response.types import HEADER_TRANSLATION_TABLE

from usersvc.edge.header_sanitizer import SANIC_SANITIZE, STRIPPED, sanitize


def test_sanic_strips_what_we_look_for():
    assert str.maketrans("", "", STRIPPED) == HEADER_TRANSLATION_TABLE
    assert SANIC_SANITIZE is not sanitize


def test_same_result_as_sanic_for_every_character_anywhere_in_a_value():
    for code in range(0x3000):
        character = chr(code)
        for value in (character, f"a{character}", f"{character}b", f"a{character}b{character}", "plain value"):
            assert sanitize(value) == SANIC_SANITIZE(value), repr(value)


def test_injection_attempts_are_still_stripped():
    assert sanitize("v\r\nSet-Cookie: x=1") == "vSet-Cookie: x=1"
    assert sanitize("\x00") == ""
