"""Sanic's response-header sanitizer, made cheap for the values it leaves alone.

Sanic strips CR, LF and NUL from every response header's name and value (no header
injection) with `str.translate`, which looks up a dict per character: a sizeable share of
a cached read's edge CPU (docs/scaling.md, "Measurements behind the code"). Almost no
header holds those characters, so `sanitize` looks for them first (a
C-speed scan each) and translates only when one is there: the same result (a unit test
holds it to Sanic's own), and Sanic's check still runs on every header.
"""

from sanic.response.types import HEADER_TRANSLATION_TABLE, BaseHTTPResponse

STRIPPED = "\r\n\x00"  # what HEADER_TRANSLATION_TABLE removes (the test checks it still is)
SANIC_SANITIZE = BaseHTTPResponse._sanitize_header_value  # Sanic's own, before install()


def sanitize(value: str) -> str:
    if "\r" in value or "\n" in value or "\x00" in value:
        return value.translate(HEADER_TRANSLATION_TABLE)
    return value


def install() -> None:
    """On every Sanic response class, for the life of the process."""
    BaseHTTPResponse._sanitize_header_value = staticmethod(sanitize)  # type: ignore[method-assign]
