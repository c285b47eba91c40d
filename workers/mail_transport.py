"""Where a composed mail goes: an SMTP server (aiosmtplib), or, in development without
SMTP_URL, the log of the worker that sends it."""

import logging
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from usersvc.smtp_url import SmtpEndpoint

log = logging.getLogger("workers.mail")
SEND_TIMEOUT_SECONDS = 15


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    def __init__(self, endpoint: SmtpEndpoint) -> None:
        self._endpoint = endpoint

    async def send(self, message: EmailMessage) -> None:
        endpoint = self._endpoint
        await aiosmtplib.send(
            message,
            hostname=endpoint.host,
            port=endpoint.port,
            username=endpoint.username,
            password=endpoint.password,
            use_tls=endpoint.use_tls,
            start_tls=endpoint.start_tls,
            timeout=SEND_TIMEOUT_SECONDS,
        )


class LogTransport:
    """Development only (the settings refuse a missing SMTP_URL elsewhere): the whole mail,
    link included, is printed so a developer can follow it."""

    async def send(self, message: EmailMessage) -> None:
        plain = message.get_body(("plain",))
        text = plain.get_content() if plain is not None else ""
        log.warning(
            "SMTP_URL is not set (development): mail not sent, printed instead\nTo: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            text,
        )


def failure_reason(error: BaseException) -> str:
    """What went wrong, for the log. SMTP and network errors say where and what the server
    answered, never what was sent; anything else is named by its kind only."""
    if isinstance(error, (aiosmtplib.SMTPException, OSError)):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__
