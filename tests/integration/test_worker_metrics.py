"""Workers serve their own Prometheus metrics when WORKER_METRICS_PORT is set."""

import time

import httpx

from tests.support import free_port


def test_a_worker_serves_its_metrics_with_the_analytics_totals(stack, admin):
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
        # Set at start-up by the roll-up (workers/analytics_rollup.py); the accounts as the API counts them.
        while 'usersvc_analytics_total{figure="users"}' not in body and time.monotonic() < deadline:
            time.sleep(0.3)
            body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        today = time.strftime("%Y-%m-%d", time.gmtime())
        users = admin.get("/v1/analytics/summary", params={"from": today, "to": today}).json()["totals"]["users"]
        assert f'usersvc_analytics_total{{figure="users"}} {float(users)}' in body
        assert 'usersvc_sessions_live{kind="api"}' in body  # the admin's session, at least
        assert 'usersvc_sessions_live{kind="api"} 0.0' not in body
    finally:
        stack.stop("worker-metrics")
