"""Request headers as text the edge can pass on.

Sanic decodes header bytes as UTF-8 with surrogate escapes, so a value holding other bytes
(Latin-1, say) is a string that JSON encoders and UUIDs refuse: sent on in a command it
would fail as a 500. `header_text` turns such bytes into U+FFFD; `header_bytes_are_text`
tells whether there were any.
"""

from sanic import Request


def header_text(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    if value is None or value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def header_bytes_are_text(value: str) -> bool:
    """False for a value whose bytes were not UTF-8 (Sanic kept them as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
