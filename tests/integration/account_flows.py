"""Steps of the account flows that several test modules take: register, read the mailed token."""

from tests.integration.mailbox import Mailbox, link_token
from tests.support import Api, new_user_body


def registration_body(**overrides) -> dict:
    """A POST /v1/users body without `role`, as registration takes it."""
    body = new_user_body(**overrides)
    del body["role"]
    return body


def register(anonymous: Api, **overrides) -> tuple[dict, dict]:
    """(the registration body, the user created)."""
    body = registration_body(**overrides)
    response = anonymous.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return body, response.json()


def verification_token(mailbox: Mailbox, address: str, *, count: int = 1) -> str:
    """The token of the `count`-th verification mail to `address`."""
    return _token(mailbox, address, path="verify-email", count=count)


def reset_token(mailbox: Mailbox, address: str, *, count: int = 1) -> str:
    """The token of the `count`-th password-reset mail to `address`."""
    return _token(mailbox, address, path="reset-password", count=count)


def _token(mailbox: Mailbox, address: str, *, path: str, count: int) -> str:
    mails = mailbox.wait_for(address, count=count, containing=f"/{path}?token=")
    return link_token(mails[count - 1], path=path)
