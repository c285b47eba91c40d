"""/metrics answers only scrapers from METRICS_ALLOW or with the METRICS_TOKEN bearer, on the
edge and on a worker's metrics port; anyone else gets 404, as for a route that does not
exist. The stack trusts 127.0.0.1 as a proxy, so X-Forwarded-For names the client here."""

import time

import httpx
import pytest

from tests.support import free_port

OUTSIDER = {"X-Forwarded-For": "203.0.113.7"}
TOKEN = "metrics-token-" + "x" * 32


def _status(client: httpx.Client, headers: dict) -> int:
    return client.get("/metrics", headers=headers).status_code


def test_the_edge_hides_metrics_from_an_address_not_allowed(stack):
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        assert _status(client, {}) == 200  # loopback, allowed by default
        refused = client.get("/metrics", headers=OUTSIDER)
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "NOT_FOUND"
        assert "usersvc_" not in refused.text
        assert _status(client, {**OUTSIDER, "Authorization": "Bearer anything-at-all"}) == 404


def test_the_edge_shows_metrics_to_an_allowed_network_and_to_the_token(extra_edge):
    edge = extra_edge(METRICS_ALLOW="198.51.100.0/24", METRICS_TOKEN=TOKEN)
    assert _status(edge, {"X-Forwarded-For": "198.51.100.20"}) == 200
    assert _status(edge, {}) == 404  # loopback is no longer in the list
    assert _status(edge, OUTSIDER) == 404
    assert _status(edge, {**OUTSIDER, "Authorization": f"Bearer {TOKEN}"}) == 200
    for wrong in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer", TOKEN):
        assert _status(edge, {**OUTSIDER, "Authorization": wrong}) == 404, wrong


@pytest.fixture
def worker_metrics(stack):
    """A worker serving its metrics with a token set; yields its base URL."""
    port = free_port()
    stack.spawn("worker-metrics-rule", "worker", WORKER_METRICS_PORT=str(port), METRICS_TOKEN=TOKEN)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base_url}/metrics", timeout=2)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the worker's metrics port never answered"
            time.sleep(0.3)
    yield base_url
    stack.stop("worker-metrics-rule")


def test_a_worker_applies_the_same_rule_on_its_metrics_port(worker_metrics):
    with httpx.Client(base_url=worker_metrics, timeout=10) as client:
        assert _status(client, {}) == 200
        assert _status(client, OUTSIDER) == 404
        assert "usersvc_" not in client.get("/metrics", headers=OUTSIDER).text
        assert _status(client, {**OUTSIDER, "Authorization": f"Bearer {TOKEN}"}) == 200
        assert _status(client, {**OUTSIDER, "Authorization": "Bearer wrong"}) == 404
