"""The OpenID provider's hot paths beside their REST twins, against a running usersvc:

    .venv/bin/python bench/oidc.py --url http://localhost:8000 --admin root --password '…'

- refresh_grant: POST /oauth/token grant_type=refresh_token (client_secret_basic),
  beside POST /v1/auth/refresh (auth_refresh);
- userinfo: GET /oauth/userinfo, beside GET /v1/auth/me (auth_me);
- code_exchange: POST /oauth/token grant_type=authorization_code, timed alone; each follows
  the single-sign-on authorize that makes its code, so its rate counts both.

Closed loop: `--connections` tasks, each its own user and token chain, for `--seconds`
each. The load generator is Python (httpx) on the same machine, so the absolute figures are
the generator's as much as the service's: read the ratios, taken in the same run. It
registers one first-party client and `--connections` users (admin rights needed), which
stay behind: run it against a scratch service (`scripts/serve`) or a test stack.
"""

import argparse
import asyncio
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

REDIRECT_URI = "https://bench.example.com/callback"
PASSWORD = "Bench!Oidc1pass"


@dataclass
class Row:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Member:
    """One simulated user: a /v1/auth/login pair, a provider session and a grant."""

    username: str
    login_access: str = ""
    login_refresh: str = ""
    browser: httpx.AsyncClient | None = None
    grant_access: str = ""
    grant_refresh: str = ""


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.http = httpx.AsyncClient(base_url=args.url, timeout=60, limits=httpx.Limits(max_connections=256))
        self.client_id = ""
        self.client_secret = ""

    async def setup(self) -> list[Member]:
        credentials = {"username": self.args.admin, "password": self.args.password}
        admin = await self.http.post("/v1/auth/login", json=credentials)
        admin.raise_for_status()
        bearer = {"Authorization": f"Bearer {admin.json()['access_token']}"}
        client = await self.http.post(
            "/v1/oauth/clients",
            headers=bearer,
            json={
                "name": "bench",
                "type": "confidential",
                "first_party": True,
                "redirect_uris": [REDIRECT_URI],
                "scopes": ["openid", "profile", "email", "offline_access"],
            },
        )
        client.raise_for_status()
        self.client_id, self.client_secret = client.json()["client_id"], client.json()["client_secret"]
        tag = secrets.token_hex(3)
        members = [Member(username=f"oidc_bench_{tag}_{i}") for i in range(self.args.connections)]
        for member in members:
            created = await self.http.post(
                "/v1/users",
                headers=bearer,
                json={
                    "username": member.username,
                    "email": f"{member.username}@bench.example.com",
                    "password": PASSWORD,
                    "first_name": "Bench",
                    "last_name": "Member",
                },
            )
            created.raise_for_status()
        for member in members:  # one at a time: each costs two bcrypt verifies
            await self._sign_in(member)
        return members

    async def _sign_in(self, member: Member) -> None:
        login = await self.http.post("/v1/auth/login", json={"username": member.username, "password": PASSWORD})
        login.raise_for_status()
        member.login_access, member.login_refresh = login.json()["access_token"], login.json()["refresh_token"]
        member.browser = httpx.AsyncClient(base_url=self.args.url, timeout=60)
        page = await member.browser.get("/oauth/authorize", params=self._authorization())
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        signed_in = await member.browser.post(
            "/oauth/authorize/sign-in", data={**fields, "identifier": member.username, "password": PASSWORD}
        )
        tokens = await self._exchange(self._code_of(signed_in))
        member.grant_access, member.grant_refresh = tokens["access_token"], tokens["refresh_token"]

    def _authorization(self) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email offline_access",
            "state": "s",
            "nonce": "n",
        }

    @staticmethod
    def _code_of(response: httpx.Response) -> str:
        location = response.headers.get("location", "")
        match = re.search(r"[?&]code=([^&]+)", location)
        if match is None:
            raise RuntimeError(f"no code in the answer ({response.status_code}): {location or response.text[:200]}")
        return match.group(1)

    async def _exchange(self, code: str) -> dict:
        answer = await self.http.post(
            "/oauth/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            auth=(self.client_id, self.client_secret),
        )
        answer.raise_for_status()
        return answer.json()

    async def run(self, name: str, members: list[Member], step: Callable[[Member], Awaitable[float | None]]) -> Row:
        """Each member in a loop for --seconds; `step` returns the latency to count (ms), or
        None to count the wall time of the whole step."""
        row = Row(name)
        deadline = time.perf_counter() + self.args.seconds

        async def loop(member: Member) -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    measured = await step(member)
                except (httpx.HTTPError, KeyError, RuntimeError):
                    row.errors += 1
                    continue
                row.latencies_ms.append(measured if measured is not None else (time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(loop(member) for member in members))
        row.seconds = time.perf_counter() - started
        return row

    # --- the steps ------------------------------------------------------------------------

    async def auth_refresh(self, member: Member) -> None:
        answer = await self.http.post("/v1/auth/refresh", json={"refresh_token": member.login_refresh})
        answer.raise_for_status()
        member.login_refresh = answer.json()["refresh_token"]

    async def refresh_grant(self, member: Member) -> None:
        answer = await self.http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": member.grant_refresh},
            auth=(self.client_id, self.client_secret),
        )
        answer.raise_for_status()
        member.grant_refresh = answer.json()["refresh_token"]

    async def me(self, member: Member) -> None:
        headers = {"Authorization": f"Bearer {member.login_access}"}
        (await self.http.get("/v1/auth/me", headers=headers)).raise_for_status()

    async def userinfo(self, member: Member) -> None:
        headers = {"Authorization": f"Bearer {member.grant_access}"}
        (await self.http.get("/oauth/userinfo", headers=headers)).raise_for_status()

    async def code_exchange(self, member: Member) -> float:
        assert member.browser is not None
        code = self._code_of(await member.browser.get("/oauth/authorize", params=self._authorization()))
        started = time.perf_counter()
        await self._exchange(code)
        return (time.perf_counter() - started) * 1000


def table(rows: dict[str, Row]) -> str:
    twins = {"refresh_grant": "auth_refresh", "userinfo": "auth_me", "code_exchange": "auth_refresh"}
    lines = [
        f"{'row':<15} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  vs twin (req/s ratio)",
        "-" * 72,
    ]
    for name, row in rows.items():
        twin = rows.get(twins.get(name, ""))
        ratio = f"{row.rate / twin.rate:.2f} of {twin.name}" if twin and twin.rate else ""
        lines.append(
            f"{name:<15} {row.rate:>8.0f} {row.percentile(0.5):>8.1f} {row.percentile(0.99):>8.1f}"
            f" {row.errors:>7}  {ratio}"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--admin", required=True, help="an admin's username")
    parser.add_argument("--password", required=True, help="that admin's password")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    bench = Bench(args)
    members = await bench.setup()
    rows: dict[str, Row] = {}
    # Twins side by side, so each pair shares the machine's mood of the moment.
    for name, step in (
        ("auth_refresh", bench.auth_refresh),
        ("refresh_grant", bench.refresh_grant),
        ("auth_me", bench.me),
        ("userinfo", bench.userinfo),
        ("code_exchange", bench.code_exchange),
    ):
        rows[name] = await bench.run(name, members, step)
    print(table(rows))
    print("BENCH_OIDC " + " ".join(f"{name}_rps={row.rate:.0f}" for name, row in rows.items()))


if __name__ == "__main__":
    asyncio.run(main())
