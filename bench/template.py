"""The FastAPI full-stack template's backend (fastapi/full-stack-fastapi-template), run by
someone else (docs/scaling.md, "Comparing with the FastAPI template"), loaded with the same
wrk scripts as usersvc: get_user.lua and patch.lua with its path prefix and field.

Here: its superuser's token, a few hundred users created through its own API (reused by
later runs), the data files for the scripts, and its processes for the CPU table.
"""

import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from common import Http, log
from config import Run
from seed import SEED_PASSWORD
from watch import ProcessWatch

API = "/api/v1"
USERS_PREFIX = f"{API}/users/"
EMAIL_DOMAIN = "bench-template.example.com"  # the bench's users there, found again by this
# After many connections its sync handlers can hold every thread while waiting out
# SQLAlchemy's 30 s pool timeout, for minutes; the next many-connections row waits this long.
TEMPLATE_RECOVERY_S = 60


def same_program(a, b) -> bool:
    try:
        return a.exe() == b.exe()
    except Exception:  # psutil.AccessDenied for init and other users' processes
        return False


class Template:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.args = run.args
        self.url = run.args.template_url.rstrip("/")
        self.http = Http(self.url)
        self.processes = 0
        self.token, self.ids = "", []

    def login(self) -> str:
        """Its superuser's token; called before usersvc starts, so a template that does not
        answer stops the run at once."""
        form = {"username": self.args.template_user, "password": self.args.template_password}
        try:
            status, body = self.http.request("POST", f"{API}/login/access-token", form=form, timeout=10)
        except OSError as error:
            raise RuntimeError(
                f"template at {self.url} not answering ({error!r}); (re)start it (docs/scaling.md)"
            ) from error
        if status != 200:
            raise RuntimeError(f"template: login as {self.args.template_user}: {status} {body}")
        self.token = body["access_token"]
        return self.token

    def bench_users(self, token: str) -> dict[str, str]:
        """{email: id} of the users an earlier run created there."""
        users, skip = {}, 0
        while True:
            status, body = self.http.request("GET", f"{USERS_PREFIX}?skip={skip}&limit=500", token=token)
            if status != 200:
                raise RuntimeError(f"template: GET {USERS_PREFIX}: {status} {body}")
            for user in body["data"]:
                if user["email"].endswith("@" + EMAIL_DOMAIN):
                    users[user["email"]] = user["id"]
            skip += len(body["data"])
            if not body["data"] or skip >= body["count"]:
                return users

    def seed(self, token: str, count: int) -> list[str]:
        """`count` users there, created through its API (its own password hashing) if missing."""
        users = self.bench_users(token)
        missing = [f"u{i:05d}@{EMAIL_DOMAIN}" for i in range(count) if f"u{i:05d}@{EMAIL_DOMAIN}" not in users]

        def create(email: str) -> tuple[str, str]:
            body = {"email": email, "password": SEED_PASSWORD, "full_name": "Bench User"}
            status, answer = self.http.request("POST", USERS_PREFIX, body, token=token)
            if status != 200:
                raise RuntimeError(f"template: POST {USERS_PREFIX}: {status} {answer}")
            return email, answer["id"]

        with ThreadPoolExecutor(4) as pool:
            users.update(pool.map(create, missing))
        log(f"template: {len(users)} bench users ({len(missing)} created through its API)")
        return [users[f"u{i:05d}@{EMAIL_DOMAIN}"] for i in range(count)]

    def watch(self, watch: ProcessWatch) -> None:
        """Its processes as group `template`: from what listens on its port up to the topmost
        parent running the same program (uvicorn's supervisor with --workers), and all below."""
        import psutil

        parts = urllib.parse.urlsplit(self.url)
        port = parts.port or 80
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            return
        try:
            listener = next(
                c.pid for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN and c.laddr.port == port
            )
            top = psutil.Process(listener)
            while (parent := top.parent()) and same_program(parent, top):
                top = parent
            group = [top, *top.children(recursive=True)]
            listening = [
                process
                for process in group
                if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in process.net_connections())
            ]
        except (StopIteration, psutil.Error):
            return
        for process in group:
            watch.add(process.pid, "template")
        # Serving processes: those with the socket, less a supervisor whose children serve.
        self.processes = len(listening) - (1 if len(listening) > 1 and top in listening else 0)

    def wait_ready(self, timeout: float) -> float:
        """Seconds until it answers a GET of a user within 2 s again."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                status, _ = self.http.request("GET", f"{USERS_PREFIX}{self.ids[0]}", token=self.token, timeout=2)
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"the template gave no answer within 2 s for {timeout:.0f} s")

    def prepare(self, watch: ProcessWatch) -> dict[str, str]:
        """Token, users and data files; {name: file path} for the Lua scripts."""
        token = self.token or self.login()
        ids = self.ids = self.seed(token, self.args.template_users)
        paths = {}
        for name, lines in (("template_tokens", [token]), ("template_ids", ids)):
            path = self.run.work_dir / f"{name}.txt"
            path.write_text("\n".join(lines) + "\n")
            paths[name] = str(path)
        self.watch(watch)
        self.run.report["template"] = {
            "url": self.url,
            "users": len(ids),
            "serving_processes": self.processes,
            "get": f"GET {USERS_PREFIX}{{id}} (superuser token)",
            "patch": f"PATCH {USERS_PREFIX}{{id}} full_name (superuser token)",
        }
        return paths
