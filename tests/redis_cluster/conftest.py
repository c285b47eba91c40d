"""A whole usersvc (edge + 2 workers) on a real 3-node Redis Cluster that scripts/redis-cluster
starts on free local ports; the cluster is stopped and its files removed at the end of the
session, also when a test or the start-up fails."""

import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis.cluster

from tests.support import ADMIN_PASSWORD, Api, login, running_stack

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "redis-cluster"
LOGIN_BACKOFF_THRESHOLD = 3  # fewer failed logins to reach the back-off than the default 10


@pytest.fixture(scope="session")
def redis_cluster_url():
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.fail("redis-server and redis-cli are needed to start a Redis Cluster")
    directory = tempfile.mkdtemp(prefix="usersvc-redis-cluster-")
    try:
        started = subprocess.run([SCRIPT, "start", directory], capture_output=True, text=True, timeout=60)
        assert started.returncode == 0, f"scripts/redis-cluster start failed: {started.stderr}"
        yield started.stdout.strip()
    finally:
        subprocess.run([SCRIPT, "stop", directory], timeout=60, check=False)


@pytest.fixture(scope="session")
def stack(mailbox, redis_cluster_url):
    """This folder's stack: the usual one (tests/conftest.py), with REDIS_URL naming the cluster."""
    with running_stack(
        mailbox,
        name="cluster-",
        REDIS_URL=redis_cluster_url,
        LOGIN_BACKOFF_THRESHOLD=str(LOGIN_BACKOFF_THRESHOLD),
    ) as stack:
        yield stack


@pytest.fixture(scope="session")
def admin(stack) -> Api:
    """This stack's admin (the root conftest's `admin` is bound to the session's other stack)."""
    return login(stack.base_url, ADMIN_PASSWORD, username="root")


@pytest.fixture(scope="session")
def cluster(redis_cluster_url):
    """A synchronous cluster client, to look at what the stack wrote and where."""
    first = urlsplit(redis_cluster_url).netloc.split(",")[0]
    host, _, port = first.rpartition(":")
    client = redis.cluster.RedisCluster(host=host, port=int(port))
    yield client
    client.close()
