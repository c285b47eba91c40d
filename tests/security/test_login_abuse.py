"""Login abuse protections at the edge (docs/api.md, "Rate limits").

The stack trusts 127.0.0.1 as a proxy (TRUSTED_PROXIES), so each request picks its client IP
with X-Forwarded-For; every test uses its own random addresses, so no counter is shared.
"""

import secrets
import uuid

import httpx
import pytest

from tests.support import USER_PASSWORD, new_user_body

THRESHOLD = 10  # LOGIN_BACKOFF_THRESHOLD's default, which the stack keeps
WRONG_PASSWORD = "Wr0ng!pass"


def fresh_ipv4() -> str:
    """A random address in 198.18.0.0/15 (benchmarking range), never a trusted proxy."""
    return f"198.{18 + secrets.randbelow(2)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def fresh_ipv6_network() -> str:
    """A random /64 in 2001:db8::/32 (documentation range), as a prefix ending in '::'."""
    return f"2001:db8:{secrets.randbelow(0x10000):x}:{secrets.randbelow(0x10000):x}::"


def attempt(stack, identifier: dict, password: str, *, ip: str, **client_options) -> httpx.Response:
    with httpx.Client(base_url=stack.base_url, timeout=30, **client_options) as client:
        return client.post(
            "/v1/auth/login",
            json={**identifier, "password": password},
            headers={"X-Forwarded-For": ip, "X-Request-ID": uuid.uuid4().hex},
        )


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    return response.status_code, (response.json().get("error") or {}).get("code")


def new_user(admin) -> dict:
    body = new_user_body()
    response = admin.post("/v1/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def fail_from_fresh_ips(stack, identifier: dict, times: int) -> list[tuple[int, str | None]]:
    return [outcome(attempt(stack, identifier, WRONG_PASSWORD, ip=fresh_ipv4())) for _ in range(times)]


@pytest.mark.parametrize("kind", ["email", "username"])
def test_failures_hold_the_identifier_back_from_any_ip_known_or_not(stack, admin, kind):
    user = new_user(admin)
    existing = {kind: user[kind]}
    unknown = {kind: f"nobody_{uuid.uuid4().hex[:12]}" + ("@example.com" if kind == "email" else "")}
    seen = {}
    for name, identifier in (("existing", existing), ("unknown", unknown)):
        statuses = fail_from_fresh_ips(stack, identifier, THRESHOLD)
        held = attempt(stack, identifier, USER_PASSWORD, ip=fresh_ipv4())  # the right one, for `existing`
        statuses.append(outcome(held))
        assert 1 <= int(held.headers["Retry-After"]) <= 60
        assert held.json()["error"]["message"] == "Too many failed logins for this account; retry later"
        seen[name] = statuses
    assert seen["existing"] == [(401, "INVALID_CREDENTIALS")] * THRESHOLD + [(429, "RATE_LIMITED")]
    assert seen["unknown"] == seen["existing"]  # no enumeration
    # Held back at the edge: the right password never reached a worker, so no login happened.
    assert admin.get(f"/v1/users/{user['id']}").json()["last_login_at"] is None


def test_a_success_resets_the_count_and_the_count_starts_over(stack, admin):
    user = new_user(admin)
    identifier = {"username": user["username"]}
    statuses = fail_from_fresh_ips(stack, identifier, THRESHOLD - 1)
    assert attempt(stack, identifier, USER_PASSWORD, ip=fresh_ipv4()).status_code == 200
    statuses += fail_from_fresh_ips(stack, identifier, THRESHOLD - 1)
    assert statuses == [(401, "INVALID_CREDENTIALS")] * (2 * THRESHOLD - 2)  # never THRESHOLD in a row
    assert attempt(stack, identifier, USER_PASSWORD, ip=fresh_ipv4()).status_code == 200
    assert set(fail_from_fresh_ips(stack, identifier, THRESHOLD)) == {(401, "INVALID_CREDENTIALS")}
    assert outcome(attempt(stack, identifier, USER_PASSWORD, ip=fresh_ipv4())) == (429, "RATE_LIMITED")


def test_the_owner_is_not_locked_out_from_an_ip_it_logged_in_from(stack, admin):
    user = new_user(admin)
    home = fresh_ipv4()
    assert attempt(stack, {"username": user["username"]}, USER_PASSWORD, ip=home).status_code == 200
    # An attacker hammers the account's *email*; the owner's login above used its username.
    assert set(fail_from_fresh_ips(stack, {"email": user["email"]}, THRESHOLD)) == {(401, "INVALID_CREDENTIALS")}
    from_elsewhere = attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=fresh_ipv4())
    assert outcome(from_elsewhere) == (429, "RATE_LIMITED")
    assert attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=home).status_code == 200
    # That success reset the back-off for everyone.
    assert attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=fresh_ipv4()).status_code == 200


def test_an_accounts_email_and_username_share_one_back_off(stack, admin):
    user = new_user(admin)
    half = THRESHOLD // 2
    statuses = fail_from_fresh_ips(stack, {"email": user["email"]}, half)
    statuses += fail_from_fresh_ips(stack, {"username": user["username"].upper()}, THRESHOLD - half)
    assert statuses == [(401, "INVALID_CREDENTIALS")] * THRESHOLD
    for identifier in ({"email": user["email"]}, {"username": user["username"]}):
        held = attempt(stack, identifier, USER_PASSWORD, ip=fresh_ipv4())
        assert outcome(held) == (429, "RATE_LIMITED") and 1 <= int(held.headers["Retry-After"]) <= 60
    assert admin.get(f"/v1/users/{user['id']}").json()["last_login_at"] is None


def test_wrong_current_passwords_on_the_password_route_count_and_then_it_holds(stack, admin):
    user = new_user(admin)
    home = fresh_ipv4()
    owner = attempt(stack, {"username": user["username"]}, USER_PASSWORD, ip=home).json()
    headers = {"Authorization": f"Bearer {owner['access_token']}"}
    path = f"/v1/users/{user['id']}/password"

    def change(current: str, *, ip: str) -> httpx.Response:
        body = {"current_password": current, "new_password": "N3w!passw0rd"}
        return httpx.post(f"{stack.base_url}{path}", json=body, headers={**headers, "X-Forwarded-For": ip}, timeout=30)

    wrong = [outcome(change(f"{WRONG_PASSWORD}{n}", ip=fresh_ipv4())) for n in range(THRESHOLD)]
    assert wrong == [(422, "VALIDATION_ERROR")] * THRESHOLD
    held = change(USER_PASSWORD, ip=fresh_ipv4())  # the right one: not even looked at
    assert outcome(held) == (429, "RATE_LIMITED") and 1 <= int(held.headers["Retry-After"]) <= 60
    assert outcome(attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=fresh_ipv4())) == (429, "RATE_LIMITED")
    # The owner, from where they logged in, is not held back, and the password never changed.
    assert attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=home).status_code == 200
    assert change(USER_PASSWORD, ip=home).status_code == 204


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_wrong_passwords_on_the_mfa_routes_count_and_then_they_hold(stack, admin, method):
    """A stolen access token is no free password oracle at MFA enrolment or removal either."""
    user = new_user(admin)
    home = fresh_ipv4()
    owner = attempt(stack, {"username": user["username"]}, USER_PASSWORD, ip=home).json()
    headers = {"Authorization": f"Bearer {owner['access_token']}"}

    def mfa(password: str, *, ip: str) -> httpx.Response:
        body = {"password": password} if method == "POST" else {"password": password, "code": "123456"}
        return httpx.request(
            method, f"{stack.base_url}/v1/auth/mfa/totp", json=body, headers={**headers, "X-Forwarded-For": ip}
        )

    wrong = [outcome(mfa(f"{WRONG_PASSWORD}{n}", ip=fresh_ipv4())) for n in range(THRESHOLD)]
    assert wrong == [(422, "VALIDATION_ERROR")] * THRESHOLD
    held = mfa(USER_PASSWORD, ip=fresh_ipv4())  # the right one: not even looked at
    assert outcome(held) == (429, "RATE_LIMITED") and 1 <= int(held.headers["Retry-After"]) <= 60
    assert outcome(attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=fresh_ipv4())) == (429, "RATE_LIMITED")
    assert attempt(stack, {"email": user["email"]}, USER_PASSWORD, ip=home).status_code == 200  # the owner


def audited_ip(admin, user_id: str, request_id: str) -> str:
    entries = admin.get(
        "/v1/audit-logs", params={"entity_id": user_id, "action": "auth.login", "page_size": 100}
    ).json()["data"]
    (entry,) = [entry for entry in entries if entry["request_id"] == request_id]
    return entry["ip_address"]


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(stack, admin):
    user = new_user(admin)
    forged = fresh_ipv4()
    identifier = {"username": user["username"]}
    via_proxy = attempt(stack, identifier, USER_PASSWORD, ip=forged)
    assert via_proxy.status_code == 200
    assert audited_ip(admin, user["id"], via_proxy.headers["X-Request-ID"]) == forged
    # 127.0.0.2 reaches the edge over loopback too, but is not in TRUSTED_PROXIES.
    direct = attempt(
        stack, identifier, USER_PASSWORD, ip=forged, transport=httpx.HTTPTransport(local_address="127.0.0.2")
    )
    assert direct.status_code == 200
    assert audited_ip(admin, user["id"], direct.headers["X-Request-ID"]) == "127.0.0.2"


def test_ipv6_clients_share_one_login_counter_per_slash_64(stack, admin):
    limit = int(stack.env["RATE_LIMIT_LOGIN"].split("/")[0])
    nobody = {"username": f"nobody_{uuid.uuid4().hex[:12]}"}
    for _ in range(3):  # a fixed window may roll over between two requests: then try again
        network, other_network = fresh_ipv6_network(), fresh_ipv6_network()
        first = attempt(stack, nobody, WRONG_PASSWORD, ip=f"{network}1")
        same_network = attempt(stack, nobody, WRONG_PASSWORD, ip=f"{network}abcd:1")
        elsewhere = attempt(stack, nobody, WRONG_PASSWORD, ip=f"{other_network}1")
        windows = {response.headers["X-RateLimit-Reset"] for response in (first, same_network, elsewhere)}
        if len(windows) == 1:
            break
    remaining = [int(response.headers["X-RateLimit-Remaining"]) for response in (first, same_network, elsewhere)]
    assert remaining == [limit - 1, limit - 2, limit - 1]
    # The audit trail keeps the plain address, not the /64.
    user = new_user(admin)
    login = attempt(stack, {"username": user["username"]}, USER_PASSWORD, ip=f"{network}beef")
    assert login.status_code == 200
    assert audited_ip(admin, user["id"], login.headers["X-Request-ID"]) == f"{network}beef"


def held_back_count(stack) -> float:
    body = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    counted = [line.split()[-1] for line in body.splitlines() if line.startswith("usersvc_logins_held_back_total ")]
    return float(counted[0]) if counted else 0.0


def test_each_held_back_login_is_counted_on_the_edges_metrics(stack, admin):
    user = new_user(admin)
    before = held_back_count(stack)
    fail_from_fresh_ips(stack, {"username": user["username"]}, THRESHOLD)
    for _ in range(2):
        assert outcome(attempt(stack, {"username": user["username"]}, USER_PASSWORD, ip=fresh_ipv4()))[0] == 429
    assert held_back_count(stack) == before + 2
