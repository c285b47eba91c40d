"""The OpenID provider's hot paths beside their REST twins, against a running usersvc:

    .venv/bin/python bench/oidc.py --url http://localhost:8000 --admin root --password '…'

- refresh_grant: POST /oauth/token grant_type=refresh_token (client_secret_basic),
  beside POST /v1/auth/refresh (auth_refresh);
- userinfo: GET /oauth/userinfo, beside GET /v1/auth/me (auth_me);
- code_exchange: POST /oauth/token grant_type=authorization_code (PKCE S256), timed alone;
  each follows the single-sign-on authorize that makes its code, so its rate counts both;
- jwks: GET /.well-known/jwks.json.

With `--oidc-peer-url` (bench/oidc-peer/: oidc-provider, OpenID-certified, on the same
machine) the same four rows run against the peer too, each right after usersvc's, with the
same connections and seconds, and a second table puts them side by side: req/s, p50, p99,
the req/s ratio, and the CPU each side's processes spent per request. Each side's memory
(RSS of usersvc's edge and workers, of the node process; `--usersvc-pid`, `--oidc-peer-pid`,
else whatever listens on the URL's port) is read before the rows and after each of them.
bench/oidc_stack.py starts both on a throwaway stack, measures their start-up and runs this.

Closed loop: `--connections` tasks, each its own user and token chain, for `--seconds`
each. The load generator is Python (httpx) on the same machine, so the absolute figures are
the generator's as much as the service's: read the ratios, taken in the same run. It
registers one first-party client and `--connections` users (admin rights needed), which
stay behind: run it against a scratch service (`scripts/serve`) or a test stack.
"""

import argparse
import asyncio
import base64
import hashlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import psutil

REDIRECT_URI = "https://bench.example.com/callback"
PASSWORD = "Bench!Oidc1pass"


@dataclass
class Row:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = float("nan")  # the benched side's processes, during the row
    generator_cpu_seconds: float = 0.0  # this process, during the row

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / len(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def pkce() -> tuple[str, str]:
    """A fresh PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def code_of(response: httpx.Response) -> str:
    location = response.headers.get("location", "")
    match = re.search(r"[?&]code=([^&]+)", location)
    if match is None:
        raise RuntimeError(f"no code in the answer ({response.status_code}): {location or response.text[:200]}")
    return match.group(1)


class Side:
    """The processes of one benched provider: their CPU and memory, read with psutil."""

    def __init__(self, name: str, url: str, pids: list[int]) -> None:
        self.name = name
        self.roots = [psutil.Process(pid) for pid in pids] if pids else self._listeners(url)
        self.rss_before_mb = float("nan")
        self.rss_max_mb = 0.0

    @staticmethod
    def _listeners(url: str) -> list[psutil.Process]:
        port = httpx.URL(url).port or 80
        return [
            psutil.Process(connection.pid)
            for connection in psutil.net_connections(kind="tcp")
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid
        ][:1]

    def processes(self) -> list[psutil.Process]:
        found: dict[int, psutil.Process] = {}
        for root in self.roots:
            try:
                for process in [root, *root.children(recursive=True)]:
                    found[process.pid] = process
            except psutil.NoSuchProcess:
                continue
        return list(found.values())

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for process in self.processes():
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 2**20

    def describe(self) -> str:
        return ", ".join(f"{process.pid} {process.name()}" for process in self.processes()) or "none found"


async def run_row(
    name: str, members: list, step: Callable[..., Awaitable[float | None]], seconds: float, side: Side | None
) -> Row:
    """Each member in a loop for `seconds`; `step` returns the latency to count (ms), or
    None to count the wall time of the whole step."""
    row = Row(name)
    deadline = time.perf_counter() + seconds

    async def loop(member: object) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                measured = await step(member)
            except (httpx.HTTPError, KeyError, RuntimeError):
                row.errors += 1
                continue
            row.latencies_ms.append(measured if measured is not None else (time.perf_counter() - started) * 1000)

    generator = psutil.Process()
    generator_cpu = sum(generator.cpu_times()[:2])
    side_cpu = side.cpu_seconds() if side else float("nan")
    started = time.perf_counter()
    await asyncio.gather(*(loop(member) for member in members))
    row.seconds = time.perf_counter() - started
    row.generator_cpu_seconds = sum(generator.cpu_times()[:2]) - generator_cpu
    if side is not None:
        row.cpu_seconds = side.cpu_seconds() - side_cpu
        side.rss_max_mb = max(side.rss_max_mb, side.rss_mb())
    return row


@dataclass
class Member:
    """One simulated user: a /v1/auth/login pair, a provider session and a grant."""

    username: str
    login_access: str = ""
    login_refresh: str = ""
    browser: httpx.AsyncClient | None = None
    grant_access: str = ""
    grant_refresh: str = ""
    verifier: str = ""  # of the last authorization request


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
        page = await member.browser.get("/oauth/authorize", params=self._authorization(member))
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        signed_in = await member.browser.post(
            "/oauth/authorize/sign-in", data={**fields, "identifier": member.username, "password": PASSWORD}
        )
        tokens = await self._exchange(code_of(signed_in), member.verifier)
        member.grant_access, member.grant_refresh = tokens["access_token"], tokens["refresh_token"]

    def _authorization(self, member: Member) -> dict[str, str]:
        member.verifier, challenge = pkce()
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email offline_access",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }

    async def _exchange(self, code: str, verifier: str) -> dict:
        answer = await self.http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            auth=(self.client_id, self.client_secret),
        )
        answer.raise_for_status()
        return answer.json()

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
        code = code_of(await member.browser.get("/oauth/authorize", params=self._authorization(member)))
        started = time.perf_counter()
        await self._exchange(code, member.verifier)
        return (time.perf_counter() - started) * 1000

    async def jwks(self, _member: Member) -> None:
        (await self.http.get("/.well-known/jwks.json")).raise_for_status()


@dataclass
class PeerMember:
    """One browser of the peer: its session cookie and a grant."""

    browser: httpx.AsyncClient
    grant_access: str = ""
    grant_refresh: str = ""
    verifier: str = ""


class Peer:
    """The same steps against the peer provider (bench/oidc-peer/), by its discovery document.
    Its first authorization request per browser is signed in by the peer itself (no login
    page, the shortcut in bench/oidc-peer/server.js); later ones ride on its session cookie,
    as usersvc's do on its SSO cookie."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.http = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=256))
        self.auth = (args.oidc_peer_client_id, args.oidc_peer_client_secret)
        self.endpoints: dict[str, str] = {}

    async def setup(self) -> list[PeerMember]:
        discovery = await self.http.get(f"{self.args.oidc_peer_url.rstrip('/')}/.well-known/openid-configuration")
        discovery.raise_for_status()
        self.endpoints = discovery.json()
        members = [
            PeerMember(browser=httpx.AsyncClient(timeout=60, follow_redirects=False))
            for _ in range(self.args.connections)
        ]
        for member in members:
            tokens = await self._exchange(await self._code(member), member.verifier)
            member.grant_access, member.grant_refresh = tokens["access_token"], tokens["refresh_token"]
        return members

    async def _code(self, member: PeerMember) -> str:
        member.verifier, challenge = pkce()
        params = {
            "response_type": "code",
            "client_id": self.args.oidc_peer_client_id,
            "redirect_uri": self.args.oidc_peer_redirect_uri,
            "scope": "openid profile email offline_access",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        answer = await member.browser.get(self.endpoints["authorization_endpoint"], params=params)
        for _ in range(4):  # without a session: the interaction, signed in at once, and back
            location = answer.headers.get("location", "")
            if not location or "code=" in location:
                break
            answer = await member.browser.get(httpx.URL(self.endpoints["issuer"] + "/").join(location))
        return code_of(answer)

    async def _exchange(self, code: str, verifier: str) -> dict:
        answer = await self.http.post(
            self.endpoints["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.args.oidc_peer_redirect_uri,
                "code_verifier": verifier,
            },
            auth=self.auth,
        )
        answer.raise_for_status()
        return answer.json()

    async def refresh_grant(self, member: PeerMember) -> None:
        answer = await self.http.post(
            self.endpoints["token_endpoint"],
            data={"grant_type": "refresh_token", "refresh_token": member.grant_refresh},
            auth=self.auth,
        )
        answer.raise_for_status()
        member.grant_refresh = answer.json()["refresh_token"]

    async def userinfo(self, member: PeerMember) -> None:
        headers = {"Authorization": f"Bearer {member.grant_access}"}
        (await self.http.get(self.endpoints["userinfo_endpoint"], headers=headers)).raise_for_status()

    async def code_exchange(self, member: PeerMember) -> float:
        code = await self._code(member)
        started = time.perf_counter()
        await self._exchange(code, member.verifier)
        return (time.perf_counter() - started) * 1000

    async def jwks(self, _member: PeerMember) -> None:
        (await self.http.get(self.endpoints["jwks_uri"])).raise_for_status()


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


PEER_ROWS = ("code_exchange", "refresh_grant", "userinfo", "jwks")


def side_by_side(rows: dict[str, Row], peer_rows: dict[str, Row]) -> str:
    """usersvc's rows beside the peer's: req/s, p50, p99, errors, CPU per request."""

    def cells(row: Row) -> str:
        return (
            f"{row.rate:>8.0f} {row.percentile(0.5):>7.1f} {row.percentile(0.99):>7.1f} {row.errors:>4}"
            f" {row.cpu_ms_per_request:>6.2f}"
        )

    header = f"{'req/s':>8} {'p50':>7} {'p99':>7} {'err':>4} {'CPU ms':>6}"
    lines = [
        f"{'':<15} {'usersvc':<36} | {'oidc-provider':<36} | usersvc ÷ peer",
        f"{'row':<15} {header} | {header} | {'req/s':>6} {'CPU/req':>8}",
        "-" * 106,
    ]
    for name in PEER_ROWS:
        ours, theirs = rows[name], peer_rows[name]
        rate = ours.rate / theirs.rate if theirs.rate else float("nan")
        cpu = ours.cpu_ms_per_request / theirs.cpu_ms_per_request if theirs.cpu_ms_per_request else float("nan")
        lines.append(f"{name:<15} {cells(ours)} | {cells(theirs)} | {rate:>6.2f} {cpu:>8.2f}")
    lines.append("(p50/p99 in ms; CPU ms: CPU time of the side's processes per request, generator excluded)")
    return "\n".join(lines)


def footer(rows: dict[str, Row], sides: list[Side], args: argparse.Namespace) -> str:
    lines = []
    startups = {"usersvc": args.usersvc_startup_s, "oidc-provider": args.oidc_peer_startup_s}
    for side in sides:
        startup = startups.get(side.name)
        lines.append(
            f"{side.name}: RSS {side.rss_before_mb:.0f} MB before the rows, at most {side.rss_max_mb:.0f} MB after one"
            + (f"; start-up (process start to the first 200 from discovery) {startup:.2f} s" if startup else "")
            + f" [{side.describe()}]"
        )
    busiest = max(rows.values(), key=lambda row: row.generator_cpu_seconds / row.seconds if row.seconds else 0)
    lines.append(
        f"load generator (this process): up to {100 * busiest.generator_cpu_seconds / busiest.seconds:.0f} % of a core"
        f" ({busiest.name}); it shares the machine's cores with both sides"
    )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--admin", required=True, help="an admin's username")
    parser.add_argument("--password", required=True, help="that admin's password")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--usersvc-pid", type=int, action="append", default=[], help="usersvc's edge and workers")
    parser.add_argument("--usersvc-startup-s", type=float, help="measured by whoever started it, to print")
    peer = parser.add_argument_group("the peer provider (bench/oidc-peer/)")
    peer.add_argument("--oidc-peer-url", help="e.g. http://127.0.0.1:18400")
    peer.add_argument("--oidc-peer-client-id", default="bench")
    peer.add_argument("--oidc-peer-client-secret", default="bench-peer-secret")
    peer.add_argument("--oidc-peer-redirect-uri", default=REDIRECT_URI)
    peer.add_argument("--oidc-peer-pid", type=int, action="append", default=[], help="its node process")
    peer.add_argument("--oidc-peer-startup-s", type=float, help="measured by whoever started it, to print")
    args = parser.parse_args()
    bench = Bench(args)
    members = await bench.setup()
    ours = Side("usersvc", args.url, args.usersvc_pid)
    sides = [ours]
    steps: list[tuple[str, Callable[..., Awaitable[float | None]], list, Side]] = []
    # Twins side by side, so each pair shares the machine's mood of the moment.
    ours_steps: tuple[tuple[str, Callable[..., Awaitable[float | None]]], ...] = (
        ("auth_refresh", bench.auth_refresh),
        ("refresh_grant", bench.refresh_grant),
        ("auth_me", bench.me),
        ("userinfo", bench.userinfo),
        ("code_exchange", bench.code_exchange),
        ("jwks", bench.jwks),
    )
    for name, step in ours_steps:
        steps.append((name, step, members, ours))
    if args.oidc_peer_url:
        peer_bench = Peer(args)
        peer_members = await peer_bench.setup()
        theirs = Side("oidc-provider", args.oidc_peer_url, args.oidc_peer_pid)
        sides.append(theirs)
        for name in PEER_ROWS:  # each right after usersvc's row of the same name
            at = next(i for i, (ours_name, *_) in enumerate(steps) if ours_name == name) + 1
            steps.insert(at, (f"peer_{name}", getattr(peer_bench, name), peer_members, theirs))
    for side in sides:
        side.rss_before_mb = side.rss_mb()
    rows: dict[str, Row] = {}
    for name, step_of, who, side in steps:
        rows[name] = await run_row(name, who, step_of, args.seconds, side)
    ours_rows = {name: row for name, row in rows.items() if not name.startswith("peer_")}
    print(table(ours_rows))
    if args.oidc_peer_url:
        print()
        print(
            side_by_side(
                ours_rows,
                {name.removeprefix("peer_"): row for name, row in rows.items() if name != name.removeprefix("peer_")},
            )
        )
    print(footer(rows, sides, args))
    keys = [f"{name}_rps={row.rate:.0f}" for name, row in rows.items()]
    if args.oidc_peer_url:
        keys += [
            f"{name}_ratio={rows[name].rate / rows['peer_' + name].rate:.2f}"
            for name in PEER_ROWS
            if rows["peer_" + name].rate
        ]
    keys += [f"{side.name.replace('-', '_')}_rss_mb={side.rss_max_mb:.0f}" for side in sides]
    print("BENCH_OIDC " + " ".join(keys))


if __name__ == "__main__":
    asyncio.run(main())
