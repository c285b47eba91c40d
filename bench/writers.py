"""Writes beside a read scenario: logins at a fixed rate, PATCHes making up the rest of one
write per `every` reads.

The reads are counted as the edge serves them (its list cache lookups on /metrics, one per
list read, polled every TICK_S), so the mix holds even when the writes slow the reads down.
Writes go from here rather than inside the wrk script so that wrk's percentiles stay those
of the reads alone, and so that bcrypt-bound logins (~0.3 s of a core each) run at a low
rate without tying up wrk's connections. A write's latency runs from when it was due.
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from common import Http

TICK_S = 0.2
POOL = 16  # concurrent writes at most; the rest wait, and their wait counts as latency
DRAIN_S = 30  # how long to wait for writes still in flight when the reads stop


class BackgroundWrites:
    """`with BackgroundWrites(...) as writes:` around the measured run; then writes.summary()."""

    def __init__(
        self,
        url: str,
        *,
        reads: Callable[[], float],
        every: float,
        login_rate: float,
        tokens: list[str],
        targets: list[str],
        login_users: list[str],
        password: str,
    ) -> None:
        self.http = Http(url)
        self.reads, self.every, self.login_rate = reads, every, login_rate
        self.tokens, self.targets, self.login_users, self.password = tokens, targets, login_users, password
        self.latencies: dict[str, list[float]] = {"patch": [], "login": []}
        self.failures: dict[str, list[str]] = {"patch": [], "login": []}
        self.reads_seen = 0.0
        self.elapsed = 0.0
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(POOL, thread_name_prefix="bench-write")
        self._scheduler = threading.Thread(target=self._schedule, daemon=True)
        self._lock = threading.Lock()
        self._futures: list[Future] = []

    def __enter__(self) -> "BackgroundWrites":
        self._reads_before = self.reads()
        self._started = time.monotonic()
        self._scheduler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._scheduler.join()
        self.elapsed = time.monotonic() - self._started
        # Writes not yet sent when the reads stopped are dropped; those in flight finish.
        for future in self._futures:
            future.cancel()
        wait(self._futures, timeout=DRAIN_S)
        self._pool.shutdown(wait=False)

    def _schedule(self) -> None:
        sent = {"patch": 0, "login": 0}
        while not self._stop.wait(TICK_S):
            now = time.monotonic()
            self.reads_seen = self.reads() - self._reads_before
            logins = int((now - self._started) * self.login_rate)
            due = {"login": logins, "patch": max(0, int(self.reads_seen / self.every) - logins)}
            for kind, count in due.items():
                for _ in range(count - sent[kind]):
                    self._futures.append(self._pool.submit(self._one, kind, sent[kind], now))
                    sent[kind] += 1

    def _one(self, kind: str, n: int, due: float) -> None:
        if kind == "patch":
            token = self.tokens[n % len(self.tokens)]
            target = self.targets[n % len(self.targets)]
            request = ("PATCH", f"/v1/users/{target}", {"first_name": f"Listw{n}"}, token)
        else:
            username = self.login_users[n % len(self.login_users)]
            request = ("POST", "/v1/auth/login", {"username": username, "password": self.password}, None)
        try:
            status, body = self.http.request(*request)
            failure = None if status == 200 else f"{status} {str(body)[:200]}"
        except OSError as error:
            failure = repr(error)
        with self._lock:
            if failure:
                self.failures[kind].append(failure)
            else:
                self.latencies[kind].append(time.monotonic() - due)

    @property
    def failed(self) -> int:
        return sum(len(values) for values in self.failures.values())

    def summary(self) -> dict:
        out = {}
        for kind in ("patch", "login"):
            values = sorted(self.latencies[kind])
            done = len(values)
            out[kind] = {
                "per_s": round(done / self.elapsed, 2) if self.elapsed else None,
                "done": done,
                "failed": len(self.failures[kind]),
                "failures": self.failures[kind][:5],
                "p50_ms": round(values[done // 2] * 1000, 1) if values else None,
                "p99_ms": round(values[min(done - 1, int(done * 0.99))] * 1000, 1) if values else None,
            }
        return out
