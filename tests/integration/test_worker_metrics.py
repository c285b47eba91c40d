"""Workers serve their own Prometheus metrics when WORKER_METRICS_PORT is set."""

import time

import httpx

from tests.support import free_port


def test_a_worker_serves_its_metrics(stack):
    port = free_port()
    stack.spawn("worker-metrics", "worker", WORKER_METRICS_PORT=str(port))
    try:
        deadline, body = time.monotonic() + 30, ""
        while time.monotonic() < deadline:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert "usersvc_cache_write_failures_total" in body
    finally:
        stack.stop("worker-metrics")
