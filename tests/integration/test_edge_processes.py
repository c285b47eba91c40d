"""EDGE_PROCESSES: several Sanic processes on one port, one /metrics for all of them."""

import re
import subprocess
import time

import httpx

from tests.support import free_port, wait_ready
from usersvc.edge.metrics import FLUSH_SECONDS


def _children(pid: int) -> list[str]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return result.stdout.split()


def _wait_for_servers(stack, name: str, *, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.log_text(name).count("Worker ready") >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name}: fewer than {count} server processes became ready")


def _responses_counted(base_url: str) -> float:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return sum(
        float(value)
        for value in re.findall(r'^usersvc_http_responses_total\{status="200"\} (\S+)$', text, re.MULTILINE)
    )


def test_two_edge_processes_serve_one_port_and_add_up_their_metrics(stack, admin):
    port = free_port()
    edge = stack.spawn("edge-two", "edge", PORT=str(port), EDGE_PROCESSES="2")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url)
        _wait_for_servers(stack, "edge-two", count=2)  # stopping one mid-start-up can hang Sanic
        assert len(_children(edge.pid)) >= 2  # Sanic's worker processes
        before = _responses_counted(base_url)
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {admin.token}"}) as client:
            statuses = [client.get("/v1/auth/me").status_code for _ in range(40)]
        assert statuses == [200] * 40
        time.sleep(2 * FLUSH_SECONDS)  # each process adds its counts to /metrics that often
        assert _responses_counted(base_url) - before >= 40
    finally:
        stack.stop("edge-two")
