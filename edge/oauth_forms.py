"""OAuth's parameters, read as the specifications say rather than as Sanic's form parser
does (it drops blank values and silently empties a body with bad UTF-8): every parameter
at most once (RFC 6749 §3.1), blanks kept, anything unreadable refused."""

from urllib.parse import parse_qsl

from sanic import Request

MAX_PARAMETERS = 64


class UnreadableParameters(ValueError):
    pass


def _values(text: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_PARAMETERS)
    except (UnicodeDecodeError, ValueError):
        raise UnreadableParameters("The parameters are not readable UTF-8 form encoding") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise UnreadableParameters(f"{name} is given more than once")
        values[name] = value
    return values


def query_values(request: Request) -> dict[str, str]:
    return _values(request.query_string)


def form_values(request: Request) -> dict[str, str]:
    """The body as application/x-www-form-urlencoded (the content type is checked)."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise UnreadableParameters("The body must be application/x-www-form-urlencoded")
    try:
        text = (request.body or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableParameters("The body is not UTF-8") from None
    return _values(text)


def present(values: dict[str, str], name: str) -> str | None:
    """A parameter, where an empty one counts as absent (RFC 6749 §3.1)."""
    value = values.get(name)
    return value if value else None
