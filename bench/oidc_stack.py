"""bench/oidc.py against a throwaway usersvc and the peer provider, with their start-up times:

    bench/oidc-peer/setup                              # once: npm ci
    .venv/bin/python bench/oidc_stack.py [--seconds 10] [--connections 16] [--no-peer]

Needs what the test suite needs (scripts/services: PostgreSQL, RabbitMQ, Redis). usersvc is
tests/support.py's running_stack (a scratch database and vhost, one edge process, two
workers, removed on exit) with bcrypt at 12 rounds and the rate limits out of the way; the
peer is bench/oidc-peer/start (one node process) on a free port.

Start-up, each side: from starting its processes to the first 200 from its discovery
document, polled every 20 ms. For usersvc the stack is started first (database migrated,
Redis warm), then its edge and workers are stopped and started again together for the
measurement, so the figure is the processes' start-up, not the migration's; the time to
/ready (workers consuming) is printed too, and then the edge's alone (stopped and started
again while the workers run).
"""

import argparse
import contextlib
import os
import subprocess
import sys
import time
import types
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import ADMIN_PASSWORD, free_port, running_stack, wait_ready  # noqa: E402


def first_200(url: str, since: float, timeout: float = 60) -> float:
    """Seconds from `since` (time.monotonic()) to the first 200 from `url`."""
    deadline = since + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - since
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no 200 from {url} within {timeout} s")


@contextlib.contextmanager
def running_peer(port: int):
    """bench/oidc-peer/start on `port`: (its process, its start-up in seconds), stopped on exit."""
    with open(f"/tmp/oidc-peer-{port}.log", "w") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [str(ROOT / "bench/oidc-peer/start")], env={**os.environ, "PORT": str(port)}, stdout=log, stderr=log
        )
        try:
            startup = first_200(f"http://127.0.0.1:{port}/.well-known/openid-configuration", started)
            print(f"oidc-provider: first 200 from discovery {startup:.2f} s after start (log {log.name})")
            yield process, startup
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", default="10")
    parser.add_argument("--connections", default="16")
    parser.add_argument("--no-peer", action="store_true", help="usersvc's rows only")
    args = parser.parse_args()
    mailbox = types.SimpleNamespace(port=1)  # no mail is sent
    command = [sys.executable, str(ROOT / "bench/oidc.py"), "--seconds", args.seconds]
    command += ["--connections", args.connections]
    with contextlib.ExitStack() as running:
        if not args.no_peer:
            port = free_port()
            peer, peer_startup = running.enter_context(running_peer(port))
            command += ["--oidc-peer-url", f"http://127.0.0.1:{port}", "--oidc-peer-pid", str(peer.pid)]
            command += ["--oidc-peer-startup-s", f"{peer_startup:.3f}"]
        stack = running.enter_context(
            running_stack(
                mailbox, RATE_LIMIT_READ="100000000/hour", RATE_LIMIT_WRITE="100000000/hour", BCRYPT_ROUNDS="12"
            )
        )
        names = list(stack.processes)  # worker-1, worker-2, edge
        for name in names:
            stack.stop(name)
        started = time.monotonic()
        for name in names:
            stack.spawn(name, "worker" if name.startswith("worker") else "edge")
        startup = first_200(f"{stack.base_url}/.well-known/openid-configuration", started)
        wait_ready(stack.base_url)
        ready = time.monotonic() - started
        print(f"usersvc: first 200 from discovery {startup:.2f} s after start, /ready {ready:.2f} s")
        # The edge alone, its workers up: what a rolling restart of the edges costs.
        stack.stop("edge")
        started = time.monotonic()
        stack.spawn("edge", "edge")
        edge_alone = first_200(f"{stack.base_url}/.well-known/openid-configuration", started)
        wait_ready(stack.base_url)
        print(f"usersvc: the edge alone (workers up): first 200 from discovery {edge_alone:.2f} s after start")
        command += ["--url", stack.base_url, "--admin", "root", "--password", ADMIN_PASSWORD]
        command += ["--usersvc-startup-s", f"{startup:.3f}"]
        for process in stack.processes.values():
            command += ["--usersvc-pid", str(process.pid)]
        subprocess.run(command, check=False)


if __name__ == "__main__":
    main()
