"""Registration behind ALLOW_REGISTRATION, per-IP limits of the anonymous account flows, and
password-reset answers that do not tell known addresses from unknown ones.

The limits are checked on an extra edge with a small RATE_LIMIT_LOGIN, beside the stack's.
"""

import statistics
import time
import uuid

import httpx

from tests.integration.account_flows import registration_body


def test_registration_is_not_found_while_it_is_off(extra_edge):
    edge = extra_edge(ALLOW_REGISTRATION="false")
    response = edge.post("/v1/auth/register", json=registration_body())
    unknown_route = edge.post("/v1/auth/no-such-route")
    assert response.status_code == unknown_route.status_code == 404
    assert {key: response.json()["error"][key] for key in ("code", "message", "details")} == {
        key: unknown_route.json()["error"][key] for key in ("code", "message", "details")
    }


def test_registration_and_reset_requests_are_limited_per_ip_each_on_its_own_counter(extra_edge, make_user):
    edge = extra_edge(RATE_LIMIT_LOGIN="2/minute")
    user, _ = make_user()
    client = {"X-Forwarded-For": f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"}
    registrations = [
        edge.post("/v1/auth/register", json=registration_body(), headers=client).status_code for _ in range(3)
    ]
    resets = [edge.post("/v1/auth/password-reset", json={"email": user["email"]}, headers=client) for _ in range(3)]
    assert registrations == [202, 202, 429]
    assert [reset.status_code for reset in resets] == [202, 202, 429]
    assert resets[2].json()["error"]["code"] == "RATE_LIMITED" and int(resets[2].headers["Retry-After"]) >= 1
    assert resets[0].headers["X-RateLimit-Limit"] == "2"
    login = edge.post("/v1/auth/login", json={"username": user["username"], "password": "Wr0ng!pass"}, headers=client)
    assert login.status_code == 401  # the login counter is its own: not spent by the others


def test_a_reset_request_answers_202_in_the_same_way_for_known_and_unknown_addresses(stack, make_user, capsys):
    """Timing is reported (pytest -s), not asserted: speed is judged by numbers, not by tests."""
    known, _ = make_user()
    addresses = {"known": known["email"], "unknown": f"nobody_{uuid.uuid4().hex[:10]}@example.com"}
    seconds = {kind: [] for kind in addresses}
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        for address in addresses.values():  # warm up
            client.post("/v1/auth/password-reset", json={"email": address})
        for _ in range(30):
            for kind, address in addresses.items():
                started = time.perf_counter()
                response = client.post("/v1/auth/password-reset", json={"email": address})
                seconds[kind].append(time.perf_counter() - started)
                assert (response.status_code, response.content) == (202, b"")
    with capsys.disabled():
        print(
            "\npassword-reset request, median of 30: "
            + ", ".join(
                f"{kind} {statistics.median(values) * 1000:.2f} ms (p90 "
                f"{statistics.quantiles(values, n=10)[-1] * 1000:.2f} ms)"
                for kind, values in seconds.items()
            )
        )
