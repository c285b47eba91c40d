"""Integration fixtures: a whole usersvc (edge + 2 workers) against the real services, one
per test session (tests/support.py builds it), and clients logged in to it."""

import uuid

import httpx
import pytest

from tests.integration.account_flows import verification_token
from tests.integration.mailbox import Mailbox
from tests.integration.oidc import RegisteredClient, register_client_with
from tests.support import ADMIN_PASSWORD, Api, free_port, login, new_user_body, running_stack, wait_ready


@pytest.fixture(scope="session")
def mailbox():
    """The SMTP server of the stack's workers (SMTP_URL), shared by every test of the session."""
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def stack(mailbox):
    with running_stack(mailbox) as stack:
        yield stack


# A folder that runs its own `stack` (tests/redis_cluster) declares its own clients too: a
# session fixture keeps the first stack it was given.
@pytest.fixture(scope="session")
def admin(stack) -> Api:
    return login(stack.base_url, ADMIN_PASSWORD, username="root")


@pytest.fixture(scope="session")
def anonymous(stack) -> Api:
    return Api(stack.base_url)


@pytest.fixture
def make_user(stack, admin, anonymous, mailbox):
    """Create a user through the API; returns (user, Api logged in as that user). `verified`:
    the user then answers the verification mail, as it must before enrolling MFA."""

    def make(role: str = "user", *, verified: bool = False, **overrides) -> tuple[dict, Api]:
        body = new_user_body(role, **overrides)
        response = admin.post("/v1/users", json=body)
        assert response.status_code == 201, response.text
        api = login(stack.base_url, body["password"], username=body["username"])
        user = response.json()
        if verified:
            assert api.post("/v1/auth/verify-email/request").status_code == 202
            token = verification_token(mailbox, user["email"])
            assert anonymous.post("/v1/auth/verify-email", json={"token": token}).status_code == 204
            user = {**user, **api.get("/v1/auth/me").json()}
        return user, api

    return make


@pytest.fixture
def extra_edge(stack):
    """Start an edge with other settings (the stack's workers serve it); stopped afterwards."""
    started = []

    def start(**settings: str) -> httpx.Client:
        port = str(free_port())
        name = f"edge-{uuid.uuid4().hex[:6]}"
        stack.spawn(name, "edge", PORT=port, EDGE_PROCESSES="1", **settings)
        started.append(name)
        wait_ready(f"http://127.0.0.1:{port}")
        return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    yield start
    for name in started:
        stack.stop(name)


@pytest.fixture
def register_client(admin):
    """Register an OAuth client through the admin API; returns its id and secret. Fields as
    the client resource has them, e.g. type="public"."""

    def make(**fields) -> RegisteredClient:
        return register_client_with(admin, **fields)

    return make


@pytest.fixture(scope="session")
def discovery(stack) -> dict:
    return httpx.get(f"{stack.base_url}/.well-known/openid-configuration").json()
