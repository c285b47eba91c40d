"""What the fixtures (tests/conftest.py) and the tests share: a whole usersvc stack against
the real services, and a small HTTP client. Fixtures themselves live in conftest files and
reach tests through pytest only.

Isolation per stack: its own PostgreSQL database, RabbitMQ vhost and Redis key prefix, all
removed at the end. Tests inside a session create their own users with unique names, so
none depends on another's data.
"""

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis

from usersvc import broker_access
from usersvc.redis_client import is_cluster_url

ADMIN_PASSWORD = "Adm1n!pass"
USER_PASSWORD = "Us3r!pass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis_server(port: int):
    """A private redis-server (no persistence) on `port`, for tests that must stop it, flush
    its scripts or restrict its users without touching the shared one."""
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass(frozen=True)
class Broker:
    """Where a stack gets its vhost and broker users: the local broker, or a test cluster
    (tests/rabbitmq_cluster) whose `nodes` the URLs list and whose `rabbitmqctl` names a node."""

    nodes: str = "127.0.0.1:5672"
    rabbitmqctl: tuple[str, ...] = broker_access.LOCAL_RABBITMQCTL

    def ctl(self, *args: str) -> None:
        subprocess.run([*self.rabbitmqctl, "-q", *args], check=True, capture_output=True, timeout=60)


LOCAL_BROKER = Broker()
LOCAL_DATABASE = "127.0.0.1:5432"


# Broker identities of a test stack: the edge and the workers as deployed, a calling service
# listed in BUS_SERVICES, and a rogue with a service's permissions that is not listed.
BROKER_ROLES = {"edge": "edge", "worker": "worker", "service": "service", "rogue": "service"}


# A multi-process edge on a loaded CI machine can take a while to stop.
STOP_SECONDS = 45


@dataclass
class Stack:
    env: dict
    base_url: str
    amqp_url: str  # the calling service's (listed in BUS_SERVICES)
    database_url: str  # the runtime role's, as the workers connect
    owner_database_url: str  # the schema owner's (a superuser here), as `usersvc migrate` connects
    broker_urls: dict = field(default_factory=dict)  # edge, worker, service, rogue
    processes: dict = field(default_factory=dict)
    # Logs are per stack, so test runs side by side (two checkouts) never share a file.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    def log_path(self, name: str) -> Path:
        return Path(f"/tmp/usersvc-test-{self.run_id}-{name}.log")

    def log_text(self, name: str) -> str:
        """What a spawned process has written so far."""
        return self.log_path(name).read_text(errors="replace")

    def spawn(self, name: str, *args: str, **extra_env: str) -> subprocess.Popen:
        log = open(self.log_path(name), "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "usersvc.cli", *args],
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, *, kill: bool = False) -> None:
        process = self.processes.pop(name)
        process.kill() if kill else process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"{name} did not stop within {STOP_SECONDS} s of SIGTERM") from None


def wait_ready(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(f"{base_url}/ready", timeout=5)
            if last.status_code == 200:
                return
        except httpx.HTTPError as error:
            last = error
        time.sleep(0.3)
    raise RuntimeError(f"usersvc not ready: {last!r} {getattr(last, 'text', '')}")


@contextmanager
def running_stack(
    mailbox, *, name: str = "", broker: Broker = LOCAL_BROKER, database_host: str = LOCAL_DATABASE, **settings: str
):
    """A migrated database, a vhost and 2 workers + an edge, all removed on exit. `settings`
    replace the environment's (e.g. REDIS_URL); `name` prefixes the processes' names; `broker`
    and `database_host` (a PostgreSQL with trust auth on 127.0.0.1) say where they live."""
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to give the tests their own vhost")
    run_id = uuid.uuid4().hex[:10]
    vhost = f"usersvc-test-{run_id}"
    accounts = {name: (f"usersvc-test-{run_id}-{name}", secrets.token_hex(12)) for name in BROKER_ROLES}
    broker_access.apply(
        vhost,
        [(BROKER_ROLES[name], user, password) for name, (user, password) in accounts.items()],
        rabbitmqctl=broker.rabbitmqctl,
    )
    broker_urls = {
        name: f"amqp://{user}:{password}@{broker.nodes}/{vhost}" for name, (user, password) in accounts.items()
    }
    port = free_port()
    database_name = f"usersvc_test_{run_id}"
    env = {
        **os.environ,
        # Two database roles (docs/api.md, "Data"): migrate creates the runtime one (trust auth here).
        "DATABASE_URL": f"postgres://{database_name}_app@{database_host}/{database_name}",
        "MIGRATION_DATABASE_URL": f"postgres://postgres@{database_host}/{database_name}",
        "RABBITMQ_URL": broker_urls["worker"],
        "EDGE_RABBITMQ_URL": broker_urls["edge"],
        "BUS_SERVICES": accounts["service"][0],
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_KEY_PREFIX": f"usersvc-test-{run_id}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        # Links in mails, the OpenID provider's issuer and endpoints: where the edge listens.
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Passkeys: Chromium takes no IP address as a relying-party id, so a browser makes
        # passkeys on http://localhost:PORT (a secure context, like 127.0.0.1), which is allowed.
        "WEBAUTHN_RP_ID": "localhost",
        "WEBAUTHN_ORIGINS": f"http://localhost:{port}",
        # One edge process: the many extra edges tests start come up and stop quickly even on
        # a loaded machine; test_edge_processes runs two.
        "EDGE_PROCESSES": "1",
        "ENVIRONMENT": "development",
        "BCRYPT_ROUNDS": "4",  # the cost is a setting; tests need speed, not strength
        "RATE_LIMIT_LOGIN": "10000/minute",
        "RATE_LIMIT_READ": "100000/hour",
        "RATE_LIMIT_WRITE": "100000/hour",
        "BOOTSTRAP_ADMIN_EMAIL": "root@example.com",
        "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "BOOTSTRAP_ADMIN_USERNAME": "root",
        "LOG_FORMAT": "text",
        "RPC_TIMEOUT_SECONDS": "3",
        "CORS_ORIGINS": "https://app.example.com",
        # Tests connect from 127.0.0.1 and choose client IPs with X-Forwarded-For.
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
        "ALLOW_REGISTRATION": "true",
        "MAIL_RETRY_SECONDS": "0.5",  # an SMTP outage of a few seconds is caught up within seconds
        "MAIL_MAX_ATTEMPTS": "30",
        **settings,
    }
    stack = Stack(
        env=env,
        base_url=f"http://127.0.0.1:{port}",
        amqp_url=broker_urls["service"],
        database_url=env["DATABASE_URL"],
        owner_database_url=env["MIGRATION_DATABASE_URL"],
        broker_urls=broker_urls,
        run_id=run_id,
    )
    try:
        subprocess.run([sys.executable, "-m", "usersvc.cli", "migrate"], env=env, check=True, timeout=120)
        stack.spawn(f"{name}worker-1", "worker")
        stack.spawn(f"{name}worker-2", "worker")
        stack.spawn(f"{name}edge", "edge")
        wait_ready(stack.base_url)
        yield stack
    finally:
        for name in list(stack.processes):
            try:
                stack.stop(name)
            except AssertionError as error:  # killed; keep cleaning up, but say so
                warnings.warn(str(error), stacklevel=1)
        from usersvc.workers.db import drop_database
        from usersvc.workers.db_roles import drop_role

        asyncio.run(drop_database(stack.owner_database_url))
        asyncio.run(drop_role(stack.owner_database_url, role=f"{database_name}_app"))
        broker.ctl("delete_vhost", vhost)
        for user, _ in accounts.values():
            broker.ctl("delete_user", user)
        if not is_cluster_url(env["REDIS_URL"]):  # a test cluster is removed whole (tests/redis_cluster)
            client = redis.Redis.from_url(env["REDIS_URL"])
            for key in client.scan_iter(f"{env['REDIS_KEY_PREFIX']}:*"):
                client.delete(key)
            client.close()


class Api:
    """A thin HTTP client that remembers a bearer token."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.token = token

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.http.request(method, path, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def login(base_url: str, password: str, **identifier) -> Api:
    response = httpx.post(f"{base_url}/v1/auth/login", json={**identifier, "password": password}, timeout=30)
    assert response.status_code == 200, response.text
    return Api(base_url, response.json()["access_token"])


def new_user_body(role: str = "user", **overrides) -> dict:
    name = f"u_{uuid.uuid4().hex[:12]}"
    return {
        "username": name,
        "email": f"{name}@Example.com",
        "password": USER_PASSWORD,
        "first_name": "Test",
        "last_name": "User",
        "role": role,
        **overrides,
    }


def new_user_tokens(stack: Stack, admin: Api) -> dict:
    """A new plain user, logged in: the login reply (access and refresh tokens, the user)."""
    body = new_user_body()
    assert admin.post("/v1/users", json=body).status_code == 201
    response = httpx.post(
        f"{stack.base_url}/v1/auth/login", json={"username": body["username"], "password": USER_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()


@asynccontextmanager
async def database(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection to look at, or past, what the service stored (postgres:// URLs as
    the stack's settings give them)."""
    connection = await asyncpg.connect(url)
    try:
        yield connection
    finally:
        await connection.close()
