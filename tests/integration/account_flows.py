"""Steps of the account flows that several test modules take: register, read the mailed token."""

from tests.integration.mailbox import Mailbox, link_token
from tests.support import Api, new_user_body

REGISTRATION_ACCEPTED = {"status": "verification_sent"}


def registration_body(**overrides) -> dict:
    """A POST /v1/users body without `role`, as registration takes it."""
    body = new_user_body(**overrides)
    del body["role"]
    return body


def register(anonymous: Api, **overrides) -> tuple[dict, dict]:
    """(the registration body, the user created, as it reads itself once signed in). The answer
    says nothing of the account, the same for a taken address."""
    body = registration_body(**overrides)
    response = anonymous.post("/v1/auth/register", json=body)
    assert (response.status_code, response.json()) == (202, REGISTRATION_ACCEPTED), response.text
    signed_in = anonymous.post("/v1/auth/login", json={"username": body["username"], "password": body["password"]})
    assert signed_in.status_code == 200, signed_in.text
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    return body, anonymous.get("/v1/auth/me", headers=bearer).json()


def verification_token(mailbox: Mailbox, address: str, *, count: int = 1) -> str:
    """The token of the `count`-th verification mail to `address`."""
    return _token(mailbox, address, path="verify-email", count=count)


def reset_token(mailbox: Mailbox, address: str, *, count: int = 1) -> str:
    """The token of the `count`-th password-reset mail to `address`."""
    return _token(mailbox, address, path="reset-password", count=count)


def _token(mailbox: Mailbox, address: str, *, path: str, count: int) -> str:
    mails = mailbox.wait_for(address, count=count, containing=f"/{path}?token=")
    return link_token(mails[count - 1], path=path)
