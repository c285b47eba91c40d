"""A whole usersvc (edge + 2 workers) on services of its own, which the tests here break on
purpose: a 3-node RabbitMQ cluster (scripts/rabbitmq-cluster), a PostgreSQL cluster
(pg_createcluster) and a redis-server, each on free local ports, started once per session
and removed at its end, also when a test or the start-up fails. The machine's shared
broker, database and Redis are never touched."""

import contextlib
import functools
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ADMIN_PASSWORD, Api, Broker, free_port, login, redis_server, running_stack

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "rabbitmq-cluster"
POSTGRES_VERSION = "15"
CREATE_CLUSTER = ("pg_createcluster", POSTGRES_VERSION)
TRUST_LOOPBACK = ("--auth-host=trust", "--auth-local=trust")  # initdb's options, as the tests connect
LOGIN_BACKOFF_THRESHOLD = 3  # fewer failed logins to reach the back-off than the default 10


@dataclass
class RabbitCluster:
    directory: str
    url: str

    def script(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"scripts/rabbitmq-cluster {' '.join(args[:1])} failed: {done.stderr}"
        return done.stdout

    @property
    def nodes(self) -> str:
        """host:port,… as a URL lists them."""
        return self.url.split("@", 1)[1].rstrip("/")

    @functools.cached_property
    def _nodes(self) -> dict[int, tuple[str, int]]:
        """Node number (1, 2, 3) → (node name, AMQP port)."""
        found = {}
        for number in (1, 2, 3):
            name, port, *_ = self.script("node", self.directory, str(number)).split()
            found[number] = (name, int(port))
        return found

    def number_of(self, *, port: int | None = None, name: str | None = None) -> int:
        for number, (node_name, node_port) in self._nodes.items():
            if port == node_port or name == node_name:
                return number
        raise LookupError(f"no node with port {port} or name {name}")

    def number_of_name(self, name: str) -> int:
        return self.number_of(name=name)

    def kill(self, number: int) -> None:
        self.script("kill", self.directory, str(number))

    def restart(self, number: int) -> None:
        self.script("restart", self.directory, str(number))

    def ctl_on(self, number: int) -> tuple[str, ...]:
        return (str(SCRIPT), "ctl", self.directory, str(number))

    def leaders(self, vhost: str, *, via: int) -> dict[str, str]:
        """Quorum queue name → the node name of its leader, asked of node `via` (one that runs)."""
        out = subprocess.run(
            [*self.ctl_on(via), "-q", "list_queues", "-p", vhost, "name", "type", "leader", "--no-table-headers"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        rows = [line.split("\t") for line in out.splitlines()]
        return {row[0]: row[2] for row in rows if len(row) == 3 and row[1] == "quorum"}


@pytest.fixture(scope="session")
def rabbitmq_cluster():
    if not Path("/usr/lib/rabbitmq/bin/rabbitmq-server").exists():
        pytest.fail("RabbitMQ's server is needed to start a cluster (Debian: rabbitmq-server)")
    directory = tempfile.mkdtemp(prefix="usersvc-rabbitmq-cluster-")
    try:
        started = subprocess.run([SCRIPT, "start", directory], capture_output=True, text=True, timeout=180)
        assert started.returncode == 0, f"scripts/rabbitmq-cluster start failed: {started.stderr}"
        yield RabbitCluster(directory, started.stdout.strip())
    finally:
        subprocess.run([SCRIPT, "stop", directory], timeout=120, check=False)


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of Debian's postgresql-common, trust auth on the loopback."""

    name: str
    port: int

    def ctl(self, action: str) -> None:
        subprocess.run(["pg_ctlcluster", POSTGRES_VERSION, self.name, action], check=True, timeout=120)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def private_postgres():
    if shutil.which("pg_createcluster") is None:
        pytest.fail("pg_createcluster is needed (Debian: postgresql-common)")
    server = PrivatePostgres(f"usersvc-faults-{uuid.uuid4().hex[:8]}", free_port())
    try:
        subprocess.run(
            [*CREATE_CLUSTER, server.name, "-p", str(server.port), "--start", "--", *TRUST_LOOPBACK],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield server
    finally:
        subprocess.run(
            ["pg_dropcluster", POSTGRES_VERSION, server.name, "--stop"], check=False, capture_output=True, timeout=120
        )


class PrivateRedis:
    """A redis-server (no persistence) that tests may stop and start again on its port."""

    def __init__(self) -> None:
        self.port = free_port()
        self._running = contextlib.ExitStack()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._running.enter_context(redis_server(self.port))

    def stop(self) -> None:
        self._running.close()


@pytest.fixture(scope="session")
def private_redis():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stack(mailbox, rabbitmq_cluster, private_postgres, private_redis):
    """This folder's stack: the usual one (tests/conftest.py), on the services above."""
    with running_stack(
        mailbox,
        name="faults-",
        broker=Broker(nodes=rabbitmq_cluster.nodes, rabbitmqctl=rabbitmq_cluster.ctl_on(1)),
        database_host=private_postgres.host,
        REDIS_URL=private_redis.url,
        LOGIN_BACKOFF_THRESHOLD=str(LOGIN_BACKOFF_THRESHOLD),
        WORKER_START_TIMEOUT_SECONDS="30",
    ) as stack:
        yield stack


@pytest.fixture(scope="session")
def admin(stack) -> Api:
    """This stack's admin (the root conftest's `admin` is bound to the session's other stack)."""
    return login(stack.base_url, ADMIN_PASSWORD, username="root")
