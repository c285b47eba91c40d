"""Mail templates: plain text with a `Subject:` first line, and an optional HTML part.

Shipped in workers/mail_templates/; a file of the same name in MAIL_TEMPLATES_DIR replaces
the shipped one. Placeholders are string.Template's `$username`, `$link` and `$expires`
(the security notices `password_changed`, `mfa_added`, `mfa_removed` and `new_sign_in`:
`$username`, `$time`, `$device` and `$ip_address`, workers/security_mails.py; `email_changed`,
the notice to a user's old address, those and `$new_email`, masked;
`passkey_added` and `passkey_removed`: `$username` and `$passkey_name`).
Templates are read and tried once, when a worker starts, so a broken one stops it at once.
"""

import html
import string
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "mail_templates"
TEMPLATE_NAMES = (
    "verify_email",
    "reset_password",
    "account_exists",
    "email_changed",
    "passkey_added",
    "passkey_removed",
    "password_changed",
    "mfa_added",
    "mfa_removed",
    "new_sign_in",
)
SAMPLE_VALUES = {
    "username": "jane_doe",
    "link": "http://localhost:8000/verify-email?token=t",
    "expires": "1 hour",
    "new_email": "j***@e***.com",
    "passkey_name": "My laptop",
    "time": "2026-12-06 14:10 UTC",
    "device": "Firefox on Linux",
    "ip_address": "203.0.113.7",
}


class MailTemplateError(Exception):
    """A template that cannot be used; the message names its file."""


@dataclass(frozen=True)
class MailTemplate:
    subject: string.Template
    text: string.Template
    html: string.Template | None

    def compose(self, *, sender: str, to: str, values: dict[str, str]) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = self.subject.substitute(values)
        message["From"] = sender
        message["To"] = to
        message["Date"] = formatdate(usegmt=True)
        # An explicit domain: make_msgid() would otherwise look up this host's FQDN (blocking DNS).
        message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
        message.set_content(self.text.substitute(values))
        if self.html is not None:
            escaped = {name: html.escape(value) for name, value in values.items()}
            message.add_alternative(self.html.substitute(escaped), subtype="html")
        return message


def load_templates(override_dir: str) -> dict[str, MailTemplate]:
    """Every template, the overriding directory's files first; raises MailTemplateError."""
    directories = [SHIPPED_TEMPLATES]  # holds every name: a text template is always found
    if override_dir:
        override = Path(override_dir)
        if not override.is_dir():
            raise MailTemplateError(f"{override_dir} is not a directory")
        directories.insert(0, override)
    templates = {}
    for name in TEMPLATE_NAMES:
        text_path = _first_existing(directories, f"{name}.txt") or SHIPPED_TEMPLATES / f"{name}.txt"
        html_path = _first_existing(directories, f"{name}.html")
        try:
            template = _parse(text_path.read_text(), html_path.read_text() if html_path else None)
            template.compose(sender="usersvc@localhost", to="jane@example.com", values=SAMPLE_VALUES)
        except (OSError, UnicodeDecodeError, KeyError, ValueError) as error:
            raise MailTemplateError(f"template {name} ({text_path.parent}): {type(error).__name__}: {error}") from None
        templates[name] = template
    return templates


def _first_existing(directories: list[Path], filename: str) -> Path | None:
    return next((directory / filename for directory in directories if (directory / filename).is_file()), None)


def _parse(text: str, html_text: str | None) -> MailTemplate:
    first_line, _, body = text.partition("\n")
    if not first_line.startswith("Subject:"):
        raise ValueError("the first line must be 'Subject: …'")
    return MailTemplate(
        subject=string.Template(first_line.removeprefix("Subject:").strip()),
        text=string.Template(body.lstrip("\n")),
        html=string.Template(html_text) if html_text is not None else None,
    )
