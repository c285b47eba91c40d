"""The SMTP server the test stack's workers send to: aiosmtpd, in a thread of the test process."""

import email
import email.policy
import re
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

TOKEN_IN_LINK = re.compile(r"/(verify-email|reset-password)\?token=([A-Za-z0-9_\-]+)")


class Mailbox:
    """Keeps every mail it receives; `stop()` and `start()` play an SMTP outage."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        with self._arrived:
            return self._to_locked(address)

    def wait_for(
        self, address: str, *, count: int = 1, containing: str = "", timeout: float = 20
    ) -> list[EmailMessage]:
        """The first `count` mails to `address` (whose text contains `containing`), waiting up to
        `timeout` seconds for them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(found := self._to_locked(address, containing)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} mail(s) to {address} after {timeout} s, expected {count}")
                self._arrived.wait(left)
            return found

    def _to_locked(self, address: str, containing: str = "") -> list[EmailMessage]:
        return [
            message
            for message in self.messages
            if message["To"].lower() == address.lower() and containing in text_of(message)
        ]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def link_token(message: EmailMessage, *, path: str) -> str:
    """The token of the `path` link (verify-email or reset-password) in a mail's text."""
    found = [token for kind, token in TOKEN_IN_LINK.findall(text_of(message)) if kind == path]
    assert len(found) == 1, text_of(message)
    return found[0]
