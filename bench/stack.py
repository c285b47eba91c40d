"""The stack under test: usersvc (or the one --url points at) on the bench's scratch database,
RabbitMQ vhost and Redis key prefix, and every process the bench starts.

usersvc runs with ENVIRONMENT=development, the only environment where it accepts the guest
broker user: edge and workers share RABBITMQ_URL (guest on the bench vhost by default), so
guest is the edge's broker user, the one whose commands' AMQP user_id the workers trust.
"""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from common import free_port, log, wait_http
from config import DB_NAME, REDIS_PREFIX, VHOST, Run
from watch import ProcessWatch

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
    "RPC_TIMEOUT_SECONDS": (
        "30",
        ("64 bcrypt-bound requests in flight at ~7/s wait ~9 s by Little's law, at the default 10 s timeout"),
    ),
}


def maintenance_url(database_url: str) -> str:
    """The server's `postgres` database, to create and drop the bench's own."""
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))


async def _execute(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def rabbitmqctl(*args: str, check: bool = True) -> str:
    result = subprocess.run(["rabbitmqctl", "-q", *args], check=False, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


class Stack:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.args = run.args
        self.url = run.args.url  # set by start_service when the bench runs usersvc itself
        self.maintenance_url = maintenance_url(run.database_url)
        self.usersvc = (
            str(Path(sys.executable).with_name("usersvc"))
            if Path(sys.executable).with_name("usersvc").exists()
            else shutil.which("usersvc")
        )
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.watch = ProcessWatch()
        self.edge_pid: int | None = None
        self.worker_pids: list[int] = []

    def start(self) -> None:
        """A fresh vhost and database (and Redis prefix), then usersvc up, or --url's found."""
        self.prepare_vhost()
        self.drop_database()
        if self.run.managed:
            self.clear_redis()
            self.start_service()
        else:
            asyncio.run(_execute(self.maintenance_url, f'CREATE DATABASE "{DB_NAME}"'))  # for the insert baseline
            wait_http(self.url, "/ready", timeout=30)
            self.find_external_processes()

    # --- scratch resources ------------------------------------------------------------------

    def prepare_vhost(self) -> None:
        if not shutil.which("rabbitmqctl"):
            raise RuntimeError("rabbitmqctl not found: the bench needs its own vhost (see --amqp-base)")
        rabbitmqctl("delete_vhost", VHOST, check=False)  # a crashed earlier run's leftovers
        rabbitmqctl("add_vhost", VHOST)
        rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")

    def drop_vhost(self) -> None:
        if shutil.which("rabbitmqctl"):
            rabbitmqctl("delete_vhost", VHOST, check=False)

    def drop_database(self) -> None:
        asyncio.run(_execute(self.maintenance_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))

    def clear_redis(self) -> None:
        from redis import Redis

        client = Redis.from_url(self.run.redis_url)
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

    def wait_idle(self, timeout: float = 90, service_queues: bool = True) -> None:
        """Wait until no command is queued or in flight in the bench vhost.

        wrk abandons up to its connection count of requests when it stops; for bcrypt-bound commands they keep the
        workers busy for seconds, and must not be billed to the next scenario.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = rabbitmqctl("list_queues", "-p", VHOST, "name", "messages", "messages_unacknowledged", check=False)
            pending = 0
            for line in out.splitlines():
                fields = line.split()
                if (
                    len(fields) == 3
                    and fields[1].isdigit()
                    and not fields[0].startswith("usersvc.dead")
                    and (service_queues or fields[0].startswith("bench."))
                ):
                    pending += int(fields[1]) + int(fields[2])
            if pending == 0:
                return
            time.sleep(1)
        log(f"warning: commands still pending after {timeout}s")

    # --- processes ------------------------------------------------------------------------------

    def spawn(
        self, name: str, command: list[str], env: dict | None = None, role: str | None = None
    ) -> subprocess.Popen:
        with open(self.run.results_dir / f"{name}.log", "wb") as log_file:
            process = subprocess.Popen(
                command,
                env={**os.environ, **(env or {})},
                cwd=self.run.work_dir,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append((name, process))
        self.watch.add(process.pid, role or name)
        return process

    def stop(self) -> None:
        """SIGTERM what we started (usersvc run stops its own children), then SIGKILL stragglers."""
        for _, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop; killing its process group")
                try:
                    os.killpg(process.pid, signal.SIGKILL)  # its own session: only what we started
                except ProcessLookupError:
                    pass
                process.wait()
        self.processes.clear()

    def check_alive(self, during: str) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} (pid {process.pid}) exited with {process.returncode} during {during}; "
                    f"see {self.run.results_dir / (name + '.log')} — if nothing there explains it, "
                    "something outside the bench killed it"
                )

    # --- usersvc ----------------------------------------------------------------------------

    def service_env(self, port: int) -> dict:
        env = {
            "DATABASE_URL": self.run.database_url,
            "RABBITMQ_URL": self.run.amqp_url,
            "REDIS_URL": self.run.redis_url,
            "REDIS_KEY_PREFIX": REDIS_PREFIX,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "ENVIRONMENT": "development",
            "EDGE_PROCESSES": str(self.run.edge_processes),
            "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "BOOTSTRAP_ADMIN_USERNAME": ADMIN_USERNAME,
        }
        env.update({name: value for name, (value, _) in SERVICE_OVERRIDES.items()})
        for item in self.args.service_env:  # experiments: --service-env SANIC_AUTO_EXTEND=false
            name, _, value = item.partition("=")
            env[name] = value
        return env

    def start_service(self) -> None:
        import psutil

        port = free_port(self.args.port)
        self.url = f"http://127.0.0.1:{port}"
        log(f"starting usersvc run --workers {self.args.workers} on {self.url} (db {DB_NAME}, vhost {VHOST})")
        process = self.spawn(
            "usersvc",
            [self.usersvc, "run", "--workers", str(self.args.workers)],
            env=self.service_env(port),
            role="usersvc-run",
        )
        wait_http(self.url, "/ready", timeout=120, process=process)
        for child in psutil.Process(process.pid).children():
            cmdline = " ".join(child.cmdline())
            if cmdline.endswith(" edge"):
                self.edge_pid = child.pid
                self.watch.add(child.pid, "edge")
                # EDGE_PROCESSES > 1: Sanic's worker processes do the serving.
                for server in child.children(recursive=True):
                    self.watch.add(server.pid, "edge")
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

    def peak_rss_mib(self) -> dict[str, float]:
        rss = {}
        if self.edge_pid:
            rss["edge"] = self.watch.hwm(self.edge_pid)
        for index, pid in enumerate(self.worker_pids):
            rss[f"worker-{index + 1}"] = self.watch.hwm(pid)
        return {name: round(value / 2**20, 1) for name, value in rss.items()}

    # --- the end ------------------------------------------------------------------------------

    def cleanup(self) -> None:
        self.stop()
        self.watch.stop()
        if self.args.keep:
            log(f"--keep: leaving database {DB_NAME}, vhost {VHOST} and redis keys {REDIS_PREFIX}:*")
            return
        for step, action in (
            ("database", self.drop_database),
            ("vhost", self.drop_vhost),
            ("redis keys", self.clear_redis if self.run.managed else None),
        ):
            if action is None:
                continue
            try:
                action()
            except Exception as error:
                log(f"cleanup of {step} failed: {error!r}")
        log("cleaned up (processes stopped; database, vhost and redis keys removed)")
