"""usersvc against this machine's own limits, measured side by side (issue 3).

Run through `bench/run` (which installs wrk and bench/requirements.txt first):

    bench/run --quick          # < 10 minutes; results in bench/results/quick/
    bench/run                  # the full run; results in bench/results/
    bench/run --url http://127.0.0.1:8000 --database-url postgres://… \
              --admin-username admin --admin-password '…'   # a usersvc someone else runs

What it does, in order: start usersvc (`usersvc run --workers 2`) on a bench-only database,
Redis key prefix and RabbitMQ vhost with the rate limits raised; seed users straight into
PostgreSQL (COPY, one shared bcrypt hash from the service's own hasher); log in staff users
through the API for tokens; warm the cache; drive each scenario with wrk (-t2 -c64) and
bench/lua/*.lua; stop usersvc; measure the baselines with the same tool and concurrency;
time bcrypt; write report.md, results.json and latency.png; clean up; print the table and,
last, the BENCH line.
"""

import argparse
import asyncio
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LUA = BENCH / "lua"
BASELINES = BENCH / "baselines"

DB_NAME = "usersvc_bench"
VHOST = "usersvc-bench"
REDIS_PREFIX = "usersvc-bench"
BASELINE_REDIS_KEY = f"{REDIS_PREFIX}:baseline:user"
SEED_PASSWORD = "Bench!Pass1"
ADMIN_USERNAME = "bench_admin"
ADMIN_EMAIL = "bench-admin@bench.example.com"
ADMIN_PASSWORD = "Bench!Admin1"
UNLIMITED = "100000000/hour"
# Settings the bench changes from the defaults, and why (quoted in the report).
SERVICE_OVERRIDES = {
    "RATE_LIMIT_READ": (UNLIMITED, "the per-user read limit would be what is measured"),
    "RATE_LIMIT_WRITE": (UNLIMITED, "the per-user write limit would be what is measured"),
    "RATE_LIMIT_LOGIN": (UNLIMITED, "all logins come from one IP (127.0.0.1)"),
    "ACCESS_TOKEN_EXPIRE_MINUTES": ("120", "tokens are obtained once and must outlive the run"),
    "CACHE_TTL_SECONDS": ("3600", "the warmed cache must not expire mid-run"),
    "RPC_TIMEOUT_SECONDS": ("30", "64 bcrypt-bound requests in flight at ~7/s wait ~9 s by Little's law, "
                                  "at the default 10 s timeout"),
}
NOISY_OTHER_PCT = 25  # CPU (% of one core) used by processes outside the bench that flags a scenario
LIST_PATH = "/v1/users?role=user&is_active=true&sort=last_name&page=5&page_size=20"
FIRST_NAMES = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "John",
               "Radia", "Edsger", "Donald", "Hedy", "Tim", "Sophie", "Guido", "Katherine", "Niklaus", "Anita"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
              "Backus", "Perlman", "Dijkstra", "Knuth", "Lamarr", "Berners-Lee", "Wilson", "van Rossum",
              "Johnson", "Wirth", "Borg", "Kay", "Cerf", "Kahn", "Goldberg", "Wozniak", "Hoare", "Milner"]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


# --- HTTP for setup (stdlib, one keep-alive connection per thread) -------------------------

class Http:
    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self._local = threading.local()

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None,
                timeout: float = 30) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = http.client.HTTPConnection(self.host, self.port,
                                                                                 timeout=timeout)
            try:
                connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                   headers=headers)
                response = connection.getresponse()
                raw = response.read()
                break
            except (OSError, http.client.HTTPException):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def text(self, path: str) -> str:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request("GET", path)
            return connection.getresponse().read().decode()
        finally:
            connection.close()


def wait_http(url: str, path: str, *, timeout: float, want: int = 200, process: subprocess.Popen | None = None) -> None:
    http_ = Http(url)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url}{path} answered")
        try:
            status, body = http_.request("GET", path, timeout=5)
            if status == want:
                return
            last = (status, body)
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise RuntimeError(f"{url}{path} not ready after {timeout}s: {last}")


# --- Prometheus text ----------------------------------------------------------------------

METRIC_LINE = re.compile(r'^(\w+)\{([^}]*)\}\s+([0-9.eE+-]+|NaN)$')


def parse_metrics(text: str) -> dict[tuple[str, frozenset], float]:
    values = {}
    for line in text.splitlines():
        match = METRIC_LINE.match(line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
            values[(match.group(1), labels)] = float(match.group(3))
    return values


def metric_delta(before: dict, after: dict, name: str) -> dict[frozenset, float]:
    return {labels: value - before.get((metric, labels), 0.0)
            for (metric, labels), value in after.items() if metric == name}


# --- processes: CPU by group, peak RSS ----------------------------------------------------

class ProcessWatch:
    """Tracks our processes (edge, workers, baselines) and the shared servers for CPU and RSS."""

    def __init__(self) -> None:
        import psutil

        self.psutil = psutil
        self.roles: dict[int, str] = {}  # pid -> group name for processes we started
        self.peak_rss: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def add(self, pid: int, role: str) -> None:
        self.roles[pid] = role

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for pid in list(self.roles):
                try:
                    rss = self.psutil.Process(pid).memory_info().rss
                except self.psutil.Error:
                    continue
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), rss)

    def hwm(self, pid: int) -> int:
        """The kernel's peak resident set (VmHWM), or the sampled peak if /proc has none."""
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(int(line.split()[1]) * 1024, self.peak_rss.get(pid, 0))
        except OSError:
            pass
        return self.peak_rss.get(pid, 0)

    def group_of(self, process) -> str | None:
        if process.pid in self.roles:
            return self.roles[process.pid]
        name = process.info["name"] or ""
        if name.startswith("beam") or name == "erl_child_setup":
            return "rabbitmq"
        if name.startswith("postgres"):
            return "postgres"
        if name.startswith("redis"):
            return "redis"
        if name == "wrk":
            return "wrk"
        return None

    def cpu_snapshot(self) -> dict:
        groups: dict[str, float] = {}
        for process in self.psutil.process_iter(["name", "cpu_times"]):
            group = self.group_of(process)
            times = process.info["cpu_times"]
            if group is None or times is None:
                continue
            groups[group] = groups.get(group, 0.0) + times.user + times.system
        total = self.psutil.cpu_times()
        busy = sum(total) - total.idle - getattr(total, "iowait", 0.0)
        return {"t": time.monotonic(), "groups": groups, "busy": busy}

    @staticmethod
    def cpu_share(before: dict, after: dict) -> dict[str, float]:
        """CPU per group over the interval, in % of one core; `other` is everything else."""
        elapsed = after["t"] - before["t"]
        if elapsed <= 0:
            return {}
        shares = {group: max(0.0, value - before["groups"].get(group, 0.0)) / elapsed * 100
                  for group, value in after["groups"].items()}
        shares = {group: share for group, share in shares.items() if share >= 0.5}
        busy = (after["busy"] - before["busy"]) / elapsed * 100
        shares["other"] = max(0.0, busy - sum(shares.values()))
        shares["total"] = busy
        return shares

    def stop(self) -> None:
        self._stop.set()


# --- the bench ----------------------------------------------------------------------------

class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.results_dir = Path(args.results) if args.results else BENCH / "results" / ("quick" if args.quick else "")
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir = self.results_dir / "data"
        self.work_dir.mkdir(exist_ok=True)
        self.tag = secrets.token_hex(2)
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        self.duration = args.duration or (10 if args.quick else 30)
        self.bcrypt_duration = args.bcrypt_duration or (20 if args.quick else 60)
        self.warmup = 2 if args.quick else 5
        self.staff_tokens = args.tokens or (64 if args.quick else 128)
        self.get_ids = args.get_ids or (2000 if args.quick else 10000)
        self.managed = args.url is None
        self.amqp_base = args.amqp_base.rstrip("/")
        self.amqp_url = f"{self.amqp_base}/{VHOST}"
        # The bench database: the managed service's, and the insert baseline's in every mode.
        self.bench_db_url = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
        self.database_url = args.database_url or self.bench_db_url
        self.maintenance_url = self._maintenance_url(self.database_url)
        self.redis_url = args.redis_url
        self.wrk = shutil.which("wrk")
        self.python = sys.executable
        self.usersvc = str(Path(sys.executable).with_name("usersvc")) \
            if Path(sys.executable).with_name("usersvc").exists() else shutil.which("usersvc")
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.watch = ProcessWatch()
        self.rows: dict[str, dict] = {}
        self.report: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                             "mode": "quick" if self.quick else "full", "cores": self.cores,
                             "connections": args.connections, "threads": args.threads,
                             "duration_s": self.duration, "bcrypt_duration_s": self.bcrypt_duration}
        self.url = args.url
        self.bcrypt_backlog = 0.0
        self.edge_pid: int | None = None
        self.worker_pids: list[int] = []

    @staticmethod
    def _maintenance_url(database_url: str) -> str:
        parts = urllib.parse.urlsplit(database_url)
        return urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))

    # --- infrastructure -------------------------------------------------------------------

    def rabbitmqctl(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def prepare_vhost(self) -> None:
        if not shutil.which("rabbitmqctl"):
            raise RuntimeError("rabbitmqctl not found: the bench needs its own vhost (see --amqp-base)")
        self.rabbitmqctl("delete_vhost", VHOST, check=False)  # a crashed earlier run's leftovers
        self.rabbitmqctl("add_vhost", VHOST)
        self.rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")

    def drop_vhost(self) -> None:
        if shutil.which("rabbitmqctl"):
            self.rabbitmqctl("delete_vhost", VHOST, check=False)

    def wait_idle(self, timeout: float = 90, service_queues: bool = True) -> None:
        """Wait until no command is queued or in flight in the bench vhost.

        wrk abandons up to 64 requests when it stops; for bcrypt-bound commands they keep the
        workers busy for seconds, and must not be billed to the next scenario.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.rabbitmqctl("list_queues", "-p", VHOST, "name", "messages", "messages_unacknowledged",
                                   check=False)
            pending = 0
            for line in out.splitlines():
                fields = line.split()
                if (len(fields) == 3 and fields[1].isdigit() and not fields[0].startswith("usersvc.dead")
                        and (service_queues or fields[0].startswith("bench."))):
                    pending += int(fields[1]) + int(fields[2])
            if pending == 0:
                return
            time.sleep(1)
        log(f"warning: commands still pending after {timeout}s")

    async def _pg(self, sql: str, url: str | None = None) -> None:
        import asyncpg

        connection = await asyncpg.connect(url or self.maintenance_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def drop_database(self) -> None:
        asyncio.run(self._pg(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))

    def clear_redis(self) -> None:
        from redis import Redis

        client = Redis.from_url(self.redis_url)
        try:
            batch = []
            for key in client.scan_iter(f"{REDIS_PREFIX}:*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
        finally:
            client.close()

    def spawn(self, name: str, command: list[str], env: dict | None = None, role: str | None = None) -> subprocess.Popen:
        log_file = open(self.results_dir / f"{name}.log", "wb")
        process = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=self.work_dir, stdin=subprocess.DEVNULL,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        log_file.close()
        self.processes.append((name, process))
        self.watch.add(process.pid, role or name)
        return process

    def stop(self, name_prefix: str = "") -> None:
        """SIGTERM what we started (usersvc run stops its own children), then SIGKILL stragglers."""
        targets = [(name, p) for name, p in self.processes if name.startswith(name_prefix)]
        for _, process in targets:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in targets:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop; killing its process group")
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # its own session: only what we started
                except ProcessLookupError:
                    pass
                process.wait()
            self.processes.remove((name, process))
        if name_prefix == "usersvc":
            for pid in self.worker_pids + ([self.edge_pid] if self.edge_pid else []):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    continue
                os.kill(pid, signal.SIGKILL)

    # --- usersvc ----------------------------------------------------------------------------

    def service_env(self, port: int) -> dict:
        env = {
            "DATABASE_URL": self.database_url, "RABBITMQ_URL": self.amqp_url, "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": REDIS_PREFIX, "PORT": str(port), "HOST": "127.0.0.1",
            "ENVIRONMENT": "development",
            "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "BOOTSTRAP_ADMIN_USERNAME": ADMIN_USERNAME,
        }
        env.update({name: value for name, (value, _) in SERVICE_OVERRIDES.items()})
        for item in self.args.service_env:  # experiments: --service-env SANIC_AUTO_EXTEND=false
            name, _, value = item.partition("=")
            env[name] = value
        return env

    def start_service(self) -> None:
        port = free_port(self.args.port)
        self.url = f"http://127.0.0.1:{port}"
        log(f"starting usersvc run --workers {self.args.workers} on {self.url} (db {DB_NAME}, vhost {VHOST})")
        process = self.spawn("usersvc", [self.usersvc, "run", "--workers", str(self.args.workers)],
                             env=self.service_env(port), role="usersvc-run")
        wait_http(self.url, "/ready", timeout=120, process=process)
        import psutil

        for child in psutil.Process(process.pid).children():
            cmdline = " ".join(child.cmdline())
            if cmdline.endswith(" edge"):
                self.edge_pid = child.pid
                self.watch.add(child.pid, "edge")
            elif cmdline.endswith(" worker"):
                self.worker_pids.append(child.pid)
                self.watch.add(child.pid, "workers")
        log(f"usersvc ready: edge pid {self.edge_pid}, worker pids {self.worker_pids}")

    def find_external_processes(self) -> None:
        """--url: the edge is whoever listens on the port; workers are its siblings."""
        import psutil

        port = urllib.parse.urlsplit(self.url).port or 80
        try:
            for connection in psutil.net_connections("tcp"):
                if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
                    self.edge_pid = connection.pid
                    break
        except psutil.Error:
            return
        if self.edge_pid:
            self.watch.add(self.edge_pid, "edge")
            parent = psutil.Process(self.edge_pid).parent()
            for sibling in parent.children() if parent else []:
                if sibling.pid != self.edge_pid and "worker" in " ".join(sibling.cmdline()):
                    self.worker_pids.append(sibling.pid)
                    self.watch.add(sibling.pid, "workers")

    # --- data -------------------------------------------------------------------------------

    async def _seed(self, password_hash: str) -> dict:
        import asyncpg

        n = self.args.users
        admins, moderators = max(self.staff_tokens // 2, 8), max(self.staff_tokens // 2, 8) * 2
        now = datetime.now(timezone.utc)
        records, users = [], {"admin": [], "moderator": [], "user": [], "inactive": []}
        for i in range(n):
            user_id = uuid.uuid4()
            role = "admin" if i < admins else "moderator" if i < admins + moderators else "user"
            active = not (role == "user" and i % 97 == 0)
            username = f"b{self.tag}_{i:05d}"
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
            created = now - timedelta(minutes=n - i)
            phone = f"+1 555 {i % 1000:03d} {i % 10000:04d}" if i % 3 == 0 else None
            records.append((user_id, username, f"{username}@bench.example.com", password_hash, first, last, phone,
                            role, active, i % 4 == 0, None, created, created, None))
            users[role if active else "inactive"].append({"id": str(user_id), "username": username})
        connection = await asyncpg.connect(self.database_url.replace("postgres://", "postgresql://", 1))
        try:
            await connection.copy_records_to_table(
                "users", records=records,
                columns=["id", "username", "email", "password_hash", "first_name", "last_name", "phone", "role",
                         "is_active", "email_verified", "last_login_at", "created_at", "updated_at",
                         "deleted_at"])
            await connection.execute("ANALYZE users")
            total = await connection.fetchval("SELECT count(*) FROM users WHERE deleted_at IS NULL")
        finally:
            await connection.close()
        return {"users": users, "total": total}

    def seed(self) -> dict:
        from usersvc.domain.passwords import PasswordHasher

        started = time.perf_counter()
        rounds = int(os.environ.get("BCRYPT_ROUNDS", "12"))
        password_hash = PasswordHasher(rounds=rounds).hash(SEED_PASSWORD)
        seeded = asyncio.run(self._seed(password_hash))
        log(f"seeded {self.args.users} users by COPY in {time.perf_counter() - started:.1f}s "
            f"({seeded['total']} live users in the table)")
        self.report["seed"] = {"users": self.args.users, "live_users_total": seeded["total"],
                               "seconds": round(time.perf_counter() - started, 2)}
        return seeded["users"]

    def login_many(self, http_: Http, usernames: list[str], password: str) -> list[str]:
        def one(username: str) -> str:
            status, body = http_.request("POST", "/v1/auth/login", {"username": username, "password": password})
            if status != 200:
                raise RuntimeError(f"login {username}: {status} {body}")
            return body["access_token"]

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(one, usernames))

    def prepare_data(self) -> dict:
        http_ = Http(self.url)
        if self.managed:
            admin_name, admin_password = ADMIN_USERNAME, ADMIN_PASSWORD
        else:
            admin_name, admin_password = self.args.admin_username, self.args.admin_password
        users = self.seed()
        started = time.perf_counter()
        half = self.staff_tokens // 2
        admin_tokens = self.login_many(http_, [u["username"] for u in users["admin"][:half]], SEED_PASSWORD)
        moderator_tokens = self.login_many(http_, [u["username"] for u in users["moderator"][:self.staff_tokens - half]],
                                           SEED_PASSWORD)
        bootstrap_admin = self.login_many(http_, [admin_name], admin_password)[0] if admin_password else admin_tokens[0]
        log(f"{len(admin_tokens) + len(moderator_tokens) + 1} tokens by API login in "
            f"{time.perf_counter() - started:.1f}s")
        staff_tokens = [bootstrap_admin] + admin_tokens + moderator_tokens
        plain_users = users["user"]
        get_ids = [u["id"] for u in (users["admin"] + users["moderator"] + plain_users)][:self.get_ids]
        # PATCH targets: plain users (moderators may patch them), disjoint from the login users.
        patch_targets = [u["id"] for u in plain_users[: len(plain_users) // 2]]
        login_users = [u["username"] for u in plain_users[len(plain_users) // 2:]]

        files = {
            "staff_tokens": staff_tokens, "admin_tokens": [bootstrap_admin] + admin_tokens,
            "get_ids": get_ids, "patch_targets": patch_targets, "login_users": login_users,
        }
        paths = {}
        for name, lines in files.items():
            path = self.work_dir / f"{name}.txt"
            path.write_text("\n".join(lines) + "\n")
            paths[name] = str(path)

        started = time.perf_counter()

        def warm(index_id: tuple[int, str]) -> int:
            index, user_id = index_id
            status, _ = http_.request("GET", f"/v1/users/{user_id}", token=staff_tokens[index % len(staff_tokens)])
            return status

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(warm, enumerate(get_ids)))
        bad = [s for s in statuses if s != 200]
        if bad:
            raise RuntimeError(f"cache warm-up: {len(bad)} non-200 answers, e.g. {bad[:5]}")
        status, _ = http_.request("GET", LIST_PATH, token=staff_tokens[0])
        if status != 200:
            raise RuntimeError(f"list warm-up: {status}")
        log(f"warmed the cache with {len(get_ids)} users in {time.perf_counter() - started:.1f}s")
        self.report["data"] = {"staff_tokens": len(staff_tokens), "get_ids": len(get_ids),
                               "patch_targets": len(patch_targets), "login_users": len(login_users)}
        return paths

    # --- wrk ----------------------------------------------------------------------------------

    def metrics(self) -> dict:
        try:
            return parse_metrics(Http(self.url).text("/metrics"))
        except OSError:
            return {}

    def wrk_run(self, url: str, script: str, script_args: list[str], duration: float) -> dict:
        command = [self.wrk, f"-t{self.args.threads}", f"-c{self.args.connections}", f"-d{max(1, round(duration))}s",
                   "--timeout", "30s", "-s", str(LUA / script), url, "--", *script_args,
                   f"threads={self.args.threads}"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120)
        for line in result.stdout.splitlines():
            if line.startswith("BENCHJSON "):
                return json.loads(line.removeprefix("BENCHJSON "))
        raise RuntimeError(f"wrk gave no summary (rc {result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}")

    def check_alive(self, during: str) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{name} (pid {process.pid}) exited with {process.returncode} during {during}; "
                                   f"see {self.results_dir / (name + '.log')} — if nothing there explains it, "
                                   "something outside the bench killed it")

    def scenario(self, name: str, *, url: str, script: str, script_args: list[str] = (), bcrypt: bool = False,
                 service: bool = True, read: bool = False, note: str = "") -> dict:
        """One wrk run (after a warm-up unless bcrypt-bound) with metrics and CPU taken around it.

        errors = wrk's count of answers with status >= 400 plus its socket errors and timeouts.
        The edge's usersvc_http_responses_total delta is kept as a per-status breakdown, but
        not used for the count: the edge books the in-flight requests wrk abandons when it
        stops (up to 64) as 500s although no client ever receives them.
        """
        import resource

        duration = self.bcrypt_duration if bcrypt else self.duration
        if not bcrypt and self.warmup:
            self.wrk_run(url, script, list(script_args), self.warmup)
        self.wait_idle(service_queues=self.managed)
        if not self.managed and self.bcrypt_backlog:
            # --url: the service's queues are not ours to watch; give abandoned bcrypt work time to drain.
            time.sleep(self.bcrypt_backlog)
            self.bcrypt_backlog = 0.0
        metrics_before = self.metrics() if service else {}
        cpu_before = self.watch.cpu_snapshot()
        rusage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = self.wrk_run(url, script, list(script_args), duration)
        rusage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = self.watch.cpu_snapshot()
        metrics_after = self.metrics() if service else {}
        self.check_alive(name)
        errors = summary["errors"]
        error_count = sum(errors.values())
        statuses = {}
        for labels, count in metric_delta(metrics_before, metrics_after, "usersvc_http_responses_total").items():
            status = dict(labels).get("status")
            if count > 0 and status:
                statuses[status] = int(count)
        if statuses:
            statuses["200"] = max(0, statuses.get("200", 0) - 1)  # the /metrics read itself
        lookups = {}
        for labels, count in metric_delta(metrics_before, metrics_after, "usersvc_cache_lookups_total").items():
            label = dict(labels)
            if count > 0:
                lookups[f"{label.get('kind')}:{label.get('result')}"] = int(count)
        cpu = ProcessWatch.cpu_share(cpu_before, cpu_after)
        elapsed = cpu_after["t"] - cpu_before["t"]
        wrk_cpu = ((rusage_after.ru_utime + rusage_after.ru_stime) - (rusage_before.ru_utime + rusage_before.ru_stime))
        cpu["wrk"] = wrk_cpu / elapsed * 100 if elapsed > 0 else 0.0
        cpu["other"] = max(0.0, cpu.get("other", 0.0) - cpu["wrk"])
        # Throughput counts only the answers that succeeded: a 504 after 10 s is not a login.
        rps = (summary["requests"] - errors["status"]) / (summary["duration_us"] / 1e6)
        latency = summary["latency_us"]
        row = {
            "scenario": name, "rps": rps, "requests": summary["requests"],
            "rps_all_answers": summary["requests"] / (summary["duration_us"] / 1e6),
            "p50_ms": latency["p50"] / 1000, "p95_ms": latency["p95"] / 1000, "p99_ms": latency["p99"] / 1000,
            "max_ms": latency["max"] / 1000, "errors": error_count, "wrk_errors": errors,
            "edge_statuses": statuses, "cache_lookups": lookups,
            "cpu_pct_of_core": {k: round(v, 1) for k, v in cpu.items()},
            "bcrypt_bound": bcrypt, "service": service, "read": read, "note": note,
        }
        self.rows[name] = row
        if bcrypt and "bcrypt" in self.report:
            self.bcrypt_backlog = self.args.connections / self.report["bcrypt"]["verify_rps_all_cores"] + 2
        if cpu.get("other", 0) > NOISY_OTHER_PCT:
            log(f"warning: {name} was noisy: processes outside the bench used {cpu['other']:.0f}% of a core")
        log(f"{name}: {rps:,.1f} req/s p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms "
            f"errors {error_count} {statuses if service else ''}")
        return row

    def profile(self, name: str, seconds: float) -> subprocess.Popen | None:
        """--profile: py-spy flame graphs of the edge and one worker during a scenario."""
        if not self.args.profile:
            return None
        spy = Path(sys.executable).with_name("py-spy")
        spy = str(spy) if spy.exists() else shutil.which("py-spy")
        if not spy:
            log("py-spy not installed; no profile")
            return None
        procs = []
        for role, pid in (("edge", self.edge_pid), ("worker", (self.worker_pids or [None])[0])):
            if pid:
                out = self.results_dir / f"profile-{name}-{role}.svg"
                procs.append(subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "67",
                                               "-o", str(out), "-n"] + (["--nonblocking"] if role == "edge" else []),
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return procs

    def ordered_scenarios(self, paths: dict) -> None:
        """Each scenario next to its baseline, so the two share the machine's mood of the moment."""
        url, base = self.url, self.baseline_urls
        tokens = f"tokens={paths['staff_tokens']}"
        n_ids = len(Path(paths["get_ids"]).read_text().split())
        self.scenario("base_sanic_redis", url=base["sanic_redis"], script="plain.lua", service=False,
                      note="bare Sanic handler, one redis-py GET, 1 process")
        spies = self.profile("cached_get", self.duration)
        self.scenario("cached_get", url=url, script="get_user.lua", script_args=[tokens, f"ids={paths['get_ids']}"],
                      note=f"GET /v1/users/{{id}} over {n_ids} warmed ids", read=True)
        for spy in spies or []:
            spy.wait()
        self.scenario("list_filtered", url=url, script="list.lua", script_args=[tokens, f"path={LIST_PATH}"],
                      note=f"GET {LIST_PATH}", read=True)
        self.scenario("base_rpc_noop", url=base["rpc_noop"], script="plain.lua", service=False,
                      note="Sanic → own reply queue → FastStream no-op consumer")
        self.scenario("base_rpc_insert", url=base["rpc_insert"], script="plain.lua", service=False,
                      note="same + one Tortoise INSERT in a transaction")
        spies = self.profile("patch", self.duration)
        self.scenario("patch", url=url, script="patch.lua",
                      script_args=[tokens, f"targets={paths['patch_targets']}"],
                      note="PATCH /v1/users/{id} first_name, distinct targets per connection")
        for spy in spies or []:
            spy.wait()
        self.scenario("base_rpc_insert_durable", url=base["rpc_insert_durable"], script="plain.lua", service=False,
                      note="rpc_insert on a quorum queue with persistent, mandatory messages (usersvc's bus settings)")
        self.scenario("mix_90_10", url=url, script="mix.lua",
                      script_args=[tokens, f"ids={paths['get_ids']}", f"targets={paths['patch_targets']}"],
                      note="9 cached GETs : 1 PATCH")
        self.bcrypt_baseline()
        self.scenario("create", url=url, script="create.lua",
                      script_args=[f"tokens={paths['admin_tokens']}", f"tag={self.tag}"], bcrypt=True,
                      note="POST /v1/users (admin), bcrypt hash")
        self.scenario("login", url=url, script="login.lua",
                      script_args=[f"users={paths['login_users']}", f"password={SEED_PASSWORD}"], bcrypt=True,
                      note="POST /v1/auth/login, distinct users, bcrypt verify")
        # Hit ratio over the read scenarios only (their measured runs, not the warm-ups).
        hits = lookups = 0
        per_kind: dict[str, dict[str, int]] = {}
        for row in self.rows.values():
            if not row.get("read"):
                continue
            for key, count in row["cache_lookups"].items():
                kind, result = key.split(":")
                counts = per_kind.setdefault(kind, {"hit": 0, "miss": 0})
                counts[result] = counts.get(result, 0) + count
                lookups += count
                hits += count if result == "hit" else 0
        if not lookups:
            log("warning: no cache lookups counted during the read scenarios (is /metrics reachable?)")
        self.report["cache"] = {"hits": hits, "lookups": lookups, "hit_ratio": hits / lookups if lookups else 0.0,
                                "per_kind": per_kind}

    def rss_report(self) -> None:
        rss = {}
        if self.edge_pid:
            rss["edge"] = self.watch.hwm(self.edge_pid)
        for index, pid in enumerate(self.worker_pids):
            rss[f"worker-{index + 1}"] = self.watch.hwm(pid)
        self.report["peak_rss_mib"] = {name: round(value / 2**20, 1) for name, value in rss.items()}

    # --- baselines -------------------------------------------------------------------------

    def start_baselines(self) -> None:
        """All baseline servers up at once (idle ones cost nothing), each loaded in its turn."""
        self.baseline_urls = {}
        port = free_port(self.args.port + 1)
        process = self.spawn("baseline-sanic-redis", [self.python, str(BASELINES / "sanic_redis.py"),
                                                      "--port", str(port), "--redis-url", self.redis_url,
                                                      "--key", BASELINE_REDIS_KEY], role="baseline")
        wait_http(f"http://127.0.0.1:{port}", "/health", timeout=30, process=process)
        self.baseline_urls["sanic_redis"] = f"http://127.0.0.1:{port}/get"
        # RPC round trips: an HTTP front + as many consumers as usersvc has workers.
        for name, flags in (("rpc_noop", []), ("rpc_insert", ["--insert"]),
                            ("rpc_insert_durable", ["--insert", "--durable"])):
            common = ["--amqp-url", self.amqp_url, "--database-url", self.bench_db_url, *flags]
            for index in range(self.args.workers):
                self.spawn(f"baseline-{name}-consumer-{index}", [self.python, str(BASELINES / "rpc_noop.py"),
                                                                 "consumer", *common], role="baseline")
            port = free_port(self.args.port + 2 + len(self.baseline_urls))
            front = self.spawn(f"baseline-{name}-front", [self.python, str(BASELINES / "rpc_noop.py"), "front",
                                                          "--port", str(port), *common], role="baseline")
            base = f"http://127.0.0.1:{port}"
            wait_http(base, "/health", timeout=30, process=front)
            wait_http(base, "/rpc", timeout=30, process=front)  # consumers answer
            self.baseline_urls[name] = f"{base}/rpc"
        log(f"baselines up: {self.baseline_urls}")

    def bcrypt_baseline(self) -> None:
        """bcrypt at the configured cost with the service's own hasher: one thread, then all cores."""
        from usersvc.domain.passwords import PasswordHasher

        rounds = int(os.environ.get("BCRYPT_ROUNDS", "12"))
        hasher = PasswordHasher(rounds=rounds)
        samples = 3 if self.quick else 7
        stored = hasher.hash(SEED_PASSWORD)

        def timed(fn) -> float:
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started

        hash_s = statistics.median(timed(lambda: hasher.hash(SEED_PASSWORD)) for _ in range(samples))
        verify_s = statistics.median(timed(lambda: hasher.verify(SEED_PASSWORD, stored)) for _ in range(samples))
        # All cores at once (bcrypt releases the GIL): the throughput actually reachable.
        jobs = self.cores * (2 if self.quick else 4)
        started = time.perf_counter()
        with ThreadPoolExecutor(self.cores) as pool:
            list(pool.map(lambda _: hasher.verify(SEED_PASSWORD, stored), range(jobs)))
        parallel_verify_rps = jobs / (time.perf_counter() - started)
        self.report["bcrypt"] = {"rounds": rounds, "hash_s": hash_s, "verify_s": verify_s,
                                 "hash_rps_all_cores": self.cores / hash_s,
                                 "verify_rps_all_cores": self.cores / verify_s,
                                 "verify_rps_measured_parallel": parallel_verify_rps}
        log(f"bcrypt cost {rounds}: hash {hash_s * 1000:.0f} ms, verify {verify_s * 1000:.0f} ms per core; "
            f"{parallel_verify_rps:.1f} verifies/s on {self.cores} threads")

    # --- report ------------------------------------------------------------------------------

    def compose(self) -> tuple[list[dict], dict]:
        rows, b = self.rows, self.report["bcrypt"]
        sanic_redis = rows["base_sanic_redis"]["rps"]
        rpc_insert = rows["base_rpc_insert"]["rps"]
        mix_base = 1 / (0.9 / sanic_redis + 0.1 / rpc_insert)
        baselines = {
            "cached_get": ("Sanic+Redis GET", sanic_redis),
            "list_filtered": ("Sanic+Redis GET", sanic_redis),
            "patch": ("RPC+insert", rpc_insert),
            "create": ("cores ÷ bcrypt hash", b["hash_rps_all_cores"]),
            "login": ("cores ÷ bcrypt verify", b["verify_rps_all_cores"]),
            "mix_90_10": ("0.9/0.1 Sanic+Redis, RPC+insert", mix_base),
            "base_rpc_insert": ("RPC no-op", rows["base_rpc_noop"]["rps"]),
            "base_rpc_insert_durable": ("RPC+insert", rpc_insert),
        }
        table = []
        for name, row in rows.items():
            base_name, base_rps = baselines.get(name, ("—", None))
            table.append({**row, "baseline": base_name, "baseline_rps": base_rps,
                          "ratio": row["rps"] / base_rps if base_rps else None})
        errors = sum(row["errors"] for row in rows.values())
        bench = {
            "cached_get_ratio": rows["cached_get"]["rps"] / sanic_redis,
            "write_ratio": rows["patch"]["rps"] / rpc_insert,
            "login_ratio": rows["login"]["rps"] / b["verify_rps_all_cores"],
            "hit_ratio": self.report["cache"]["hit_ratio"],
            "errors": errors,
        }
        return table, bench

    def markdown(self, table: list[dict], bench: dict) -> str:
        lines = ["| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | baseline | baseline req/s | ratio |",
                 "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
        for row in table:
            ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "—"
            base_rps = f"{row['baseline_rps']:,.1f}" if row["baseline_rps"] else "—"
            lines.append(f"| {row['scenario']} | {row['rps']:,.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                         f"{row['p99_ms']:.1f} | {row['errors']} | {row['baseline']} | {base_rps} | {ratio} |")
        return "\n".join(lines)

    def write_report(self, table: list[dict], bench: dict, bench_line: str) -> str:
        b, cache = self.report["bcrypt"], self.report["cache"]
        md = [f"# usersvc benchmark ({self.report['mode']}, {self.report['started_at']})", "",
              f"wrk -t{self.args.threads} -c{self.args.connections}, {self.duration}s per scenario "
              f"({self.bcrypt_duration}s for bcrypt-bound ones), {self.cores} cores, load generator on the same "
              f"machine. usersvc: `usersvc run --workers {self.args.workers}` (edge: 1 Sanic process)." if self.managed
              else f"wrk against {self.url} (not started by the bench).", "",
              self.markdown(table, bench), "",
              f"`{bench_line}`", "",
              "## Ratios", "",
              "- cached_get_ratio = cached GET req/s ÷ bare Sanic + one Redis GET req/s (both 1 process).",
              "- write_ratio = PATCH req/s ÷ bare RPC + one INSERT in a transaction req/s.",
              f"- login_ratio = login req/s ÷ (cores ÷ bcrypt verify s) = ÷ {b['verify_rps_all_cores']:.2f}.",
              "- create: POST req/s ÷ (cores ÷ bcrypt hash s). mix: ÷ the 0.9/0.1 harmonic blend of its two "
              "baselines.",
              "- req/s counts successful answers only (wrk's completed requests minus those with status >= 400).",
              "- errors = answers with status >= 400 (counted by wrk: no scenario intends any) plus wrk "
              "socket errors and timeouts, over every scenario and baseline.", "",
              "## Cache", "",
              f"hit ratio over the read scenarios (cached_get + list_filtered): {cache['hits']:,} / "
              f"{cache['lookups']:,} = {cache['hit_ratio']:.4f}", "",
              "| kind | hits | misses |", "|---|---:|---:|"]
        for kind, counts in sorted(cache["per_kind"].items()):
            md.append(f"| {kind} | {counts.get('hit', 0):,} | {counts.get('miss', 0):,} |")
        md += ["", "## bcrypt (service hasher, bcrypt_sha256)", "",
               f"cost {b['rounds']}: hash {b['hash_s'] * 1000:.0f} ms, verify {b['verify_s'] * 1000:.0f} ms "
               f"(one thread, median); all {self.cores} cores: {b['verify_rps_all_cores']:.2f} verifies/s computed, "
               f"{b['verify_rps_measured_parallel']:.2f}/s measured with {self.cores} threads.", "",
               "## Peak RSS (VmHWM)", "", "| process | MiB |", "|---|---:|"]
        for name, mib in self.report.get("peak_rss_mib", {}).items():
            md.append(f"| {name} | {mib} |")
        md += ["", "## CPU per scenario (% of one core; total of the machine = "
                   f"{self.cores * 100}%)", "",
               "| scenario | edge | workers | rabbitmq | postgres | redis | wrk | baseline | other | total |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in table:
            cpu = row["cpu_pct_of_core"]
            baseline_cpu = sum(v for k, v in cpu.items() if k.startswith("baseline"))
            md.append(f"| {row['scenario']} | {cpu.get('edge', 0):.0f} | {cpu.get('workers', 0):.0f} | "
                      f"{cpu.get('rabbitmq', 0):.0f} | {cpu.get('postgres', 0):.0f} | {cpu.get('redis', 0):.0f} | "
                      f"{cpu.get('wrk', 0):.0f} | {baseline_cpu:.0f} | {cpu.get('other', 0):.0f} | "
                      f"{cpu.get('total', 0):.0f} |")
        noisy = [f"{row['scenario']} ({row['cpu_pct_of_core'].get('other', 0):.0f}%)" for row in table
                 if row["cpu_pct_of_core"].get("other", 0) > NOISY_OTHER_PCT]
        if noisy:
            md += ["", f"**Noisy:** processes outside the bench used more than {NOISY_OTHER_PCT}% of a core during: "
                       + ", ".join(noisy) + ". Their ratios are less trustworthy; run again on a quieter machine."]
        md += ["", "## Status codes per scenario", ""]
        for row in table:
            if row["service"]:
                md.append(f"- {row['scenario']}: edge counted {row['edge_statuses']}; wrk errors {row['wrk_errors']}")
        md += ["", "(The edge books the up to 64 requests wrk abandons when it stops as 500s although no "
                   "client receives them; errors above come from wrk, which counts answers >= 400.)"]
        if self.managed:
            md += ["", "## Settings changed for the load", ""]
            for name, (value, why) in SERVICE_OVERRIDES.items():
                md.append(f"- `{name}={value}`: {why}.")
            for item in self.args.service_env:
                md.append(f"- `{item}` (--service-env experiment).")
            md.append(f"- bench-only `DATABASE_URL=…/{DB_NAME}`, `REDIS_KEY_PREFIX={REDIS_PREFIX}`, "
                      f"RabbitMQ vhost `{VHOST}`; everything else at its default.")
        md += ["", "## Data", "", f"seed: {self.report.get('seed')}; {self.report.get('data')}",
               f"list page: `{LIST_PATH}`", "", "![latency percentiles](latency.png)", ""]
        text = "\n".join(md)
        (self.results_dir / "report.md").write_text(text)
        (self.results_dir / "results.json").write_text(json.dumps(
            {**self.report, "rows": table, "bench": bench, "bench_line": bench_line}, indent=2, default=str))
        return text

    def chart(self, table: list[dict]) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        names = [row["scenario"] for row in table]
        x = range(len(names))
        width = 0.27
        fig, ax = plt.subplots(figsize=(max(8, len(names) * 1.1), 5))
        for offset, key, label in ((-width, "p50_ms", "p50"), (0, "p95_ms", "p95"), (width, "p99_ms", "p99")):
            bars = ax.bar([i + offset for i in x], [max(row[key], 0.01) for row in table], width, label=label)
            for bar, row in zip(bars, table):
                if not row["service"]:
                    bar.set_hatch("//")
                    bar.set_alpha(0.55)
        ax.set_yscale("log")
        ax.set_ylabel("latency (ms, log scale)")
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=30, ha="right")
        for label, row in zip(ax.get_xticklabels(), table):
            if not row["service"]:
                label.set_color("dimgray")  # baselines (hatched)
        ax.axhline(200, color="red", linestyle="--", linewidth=0.8, label="200 ms target (non-bcrypt p99)")
        for i, row in enumerate(table):
            ax.text(i, max(row["p99_ms"], 0.01) * 1.15, f"{row['rps']:,.0f}/s", ha="center", fontsize=7)
        ax.set_title(f"usersvc latency percentiles, wrk -t{self.args.threads} -c{self.args.connections} "
                     f"({self.report['mode']}, {self.report['started_at']})", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(self.results_dir / "latency.png", dpi=120)
        plt.close(fig)

    # --- the whole run -------------------------------------------------------------------------

    def cleanup(self) -> None:
        self.stop("")
        self.watch.stop()
        if self.args.keep:
            log(f"--keep: leaving database {DB_NAME}, vhost {VHOST} and redis keys {REDIS_PREFIX}:*")
            return
        for step, action in (("database", self.drop_database),
                             ("vhost", self.drop_vhost), ("redis keys", self.clear_redis if self.managed else None)):
            if action is None:
                continue
            try:
                action()
            except Exception as error:  # cleanup goes on
                log(f"cleanup of {step} failed: {error!r}")
        log("cleaned up (processes stopped; database, vhost and redis keys removed)")

    def run(self) -> int:
        started = time.monotonic()
        try:
            self.prepare_vhost()
            if self.managed:
                self.drop_database()
                self.clear_redis()
                self.start_service()
            else:
                self.drop_database()
                asyncio.run(self._pg(f'CREATE DATABASE "{DB_NAME}"'))  # for the insert baseline
                wait_http(self.url, "/ready", timeout=30)
                self.find_external_processes()
            paths = self.prepare_data()
            self.start_baselines()
            self.ordered_scenarios(paths)
            self.rss_report()
        finally:
            self.cleanup()
        table, bench = self.compose()
        bench_line = (f"BENCH cached_get_ratio={bench['cached_get_ratio']:.2f} write_ratio={bench['write_ratio']:.2f} "
                      f"login_ratio={bench['login_ratio']:.2f} hit_ratio={bench['hit_ratio']:.3f} "
                      f"errors={bench['errors']}")
        self.report["elapsed_s"] = round(time.monotonic() - started, 1)
        self.chart(table)
        self.write_report(table, bench, bench_line)
        log(f"done in {self.report['elapsed_s']}s; report in {self.results_dir / 'report.md'}")
        print(self.markdown(table, bench))
        print()
        print(f"cache hit ratio (read scenarios): {bench['hit_ratio']:.4f}; peak RSS MiB: "
              f"{self.report.get('peak_rss_mib')}; report: {self.results_dir / 'report.md'}")
        print(bench_line, flush=True)
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (< 10 min); results in bench/results/quick/")
    parser.add_argument("--url", help="benchmark a running usersvc instead of starting one")
    parser.add_argument("--database-url", help="with --url: its database, for seeding (default: bench-only db)")
    parser.add_argument("--admin-username", default="admin", help="with --url: an admin to log in as")
    parser.add_argument("--admin-password", default=os.environ.get("BENCH_ADMIN_PASSWORD"),
                        help="with --url: that admin's password (or BENCH_ADMIN_PASSWORD)")
    parser.add_argument("--amqp-base", default="amqp://guest:guest@127.0.0.1:5672",
                        help=f"broker URL without vhost; the bench uses vhost {VHOST}")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--port", type=int, default=18180, help="usersvc port (baselines use the next two)")
    parser.add_argument("--workers", type=int, default=2, help="usersvc worker processes (and baseline consumers)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=float, help="seconds per scenario (10 quick, 30 full)")
    parser.add_argument("--bcrypt-duration", type=float, help="seconds for login/create (20 quick, 60 full)")
    parser.add_argument("--users", type=int, default=10000, help="users to seed")
    parser.add_argument("--tokens", type=int, help="staff users to log in (64 quick, 128 full)")
    parser.add_argument("--get-ids", type=int, help="distinct ids for cached GET (2000 quick, 10000 full)")
    parser.add_argument("--results", help="results directory (default bench/results[/quick])")
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs of edge and a worker")
    parser.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for usersvc (repeatable), for experiments")
    parser.add_argument("--keep", action="store_true", help="keep the bench database, vhost and redis keys")
    args = parser.parse_args()
    if args.url and not args.database_url:
        parser.error("--url needs --database-url (seeding writes straight into PostgreSQL)")
    if args.url and urllib.parse.urlsplit(args.database_url).path.lstrip("/") == DB_NAME:
        parser.error(f"{DB_NAME} is the bench's own scratch database (dropped at start and end); "
                     "point --database-url at the service's database")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (bench/run installs it with apt-get)")
    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt  # runs Bench.run's cleanup

    signal.signal(signal.SIGTERM, interrupted)
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
