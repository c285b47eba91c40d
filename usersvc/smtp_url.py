"""SMTP_URL: where mails go and how (plain, STARTTLS or TLS), with credentials in the URL.

`smtp://host:1025` (plain), `smtp+starttls://user:password@host:587` (STARTTLS required),
`smtps://user:password@host:465` (TLS from the first byte). User and password are
percent-decoded.
"""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpEndpoint:
    host: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpEndpoint:
    """Raises ValueError saying what is wrong; the message never repeats the URL (it may hold a password)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("must start with smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ValueError("names no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("has an invalid port") from None
    return SmtpEndpoint(
        host=parts.hostname,
        port=port,
        use_tls=parts.scheme == "smtps",
        start_tls=parts.scheme == "smtp+starttls",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )
