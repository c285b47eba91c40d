"""What every fault test here checks once its load has stopped, and the timeline it prints."""

import asyncio
import re
import threading
import time
from dataclasses import dataclass, field

import httpx

from tests.rabbitmq_cluster.load import WriteLoad, applied_counts, created_usernames
from tests.support import Stack

# The edge answers again within this long after a fault (aio-pika reconnects every 5 s, a
# call whose reply was lost ends after RPC_TIMEOUT_SECONDS, 3 s here; the rest is slack for
# a loaded two-core machine).
RECOVERY_SECONDS = 20
# After a restart (a node rejoining, PostgreSQL accepting again) failures may go on this long.
SETTLE_SECONDS = 10
QUIET_SECONDS = 3  # load without faults before, between and after them


@dataclass
class Fault:
    name: str
    started: float
    ended: float | None = None  # the failed part restarted (or the fault needed no restart)
    recovered: float | None = None  # writes go through again (WriteLoad.recovered_since)

    def window(self) -> tuple[float, float]:
        return self.started, (self.ended or self.started) + SETTLE_SECONDS


@dataclass
class Timeline:
    origin: float = field(default_factory=time.monotonic)
    faults: list[Fault] = field(default_factory=list)

    def fault(self, name: str) -> Fault:
        self.faults.append(Fault(name, time.monotonic()))
        return self.faults[-1]

    def at(self, moment: float | None) -> str:
        return "-" if moment is None else f"{moment - self.origin:6.1f}s"


def wait_for_recovery(load: WriteLoad, fault: Fault, *, timeout: float = RECOVERY_SECONDS + 10) -> None:
    deadline = fault.started + timeout
    while time.monotonic() < deadline:
        fault.recovered = load.recovered_since(fault.started)
        if fault.recovered is not None:
            return
        time.sleep(0.2)


def broker_node_port(log: str) -> int:
    """The node a process connected to last (usersvc/broker_failover.py logs each one)."""
    return int(re.findall(r"connected to broker node 127\.0\.0\.1:(\d+)", log)[-1])


def check_and_report(stack: Stack, load: WriteLoad, timeline: Timeline, caller_id: str, title: str) -> None:
    """Every acknowledged write in PostgreSQL once, every retried one at most once (once if
    acknowledged), failures (503/504 or a lost connection) only inside a fault's window (a
    call under way when the fault began counts in),
    each fault recovered within RECOVERY_SECONDS. Prints the timeline and the counts."""
    applied = asyncio.run(applied_counts(stack.owner_database_url, load.writes, caller_id))
    creates = [write for write in load.writes if write.method == "POST" and write.acknowledged]
    rows = asyncio.run(created_usernames(stack.owner_database_url, [write.body["username"] for write in creates]))
    failures = load.failures()
    counts = load.counts() | {
        "found_once": sum(n == 1 for n in applied.values()),
        "found_twice_or_more": sum(n > 1 for n in applied.values()),
    }
    lines = [f"{title}: {counts}"]
    for fault, after in zip(timeline.faults, [*timeline.faults[1:], None]):
        start, end = fault.window()
        # A failure counts for the latest fault that began before it was answered.
        until = after.started if after else float("inf")
        inside = [a for a in failures if start <= a.answered < until and a.sent <= end]
        fault.recovered = load.recovered_since(start, until=until)
        statuses = sorted({str(a.status) for a in inside})
        failing = f"{inside[-1].answered - inside[0].sent:.1f}s" if inside else "0s"
        lines.append(
            f"  {fault.name}: at {timeline.at(fault.started)}, restarted {timeline.at(fault.ended)},"
            f" recovered {timeline.at(fault.recovered)}"
            f" ({(fault.recovered or float('nan')) - fault.started:.1f}s after);"
            f" {len(inside)} failed attempts over {failing} {statuses}"
        )
    print("\n".join(lines))

    assert not [w.seq for w in load.writes if w.acknowledged and applied[w.seq] != 1], "acknowledged, not once"
    assert not [w.seq for w in load.writes if applied[w.seq] > 1], "a write took effect twice"
    assert not [w.seq for w in load.writes if not w.acknowledged], "a write never acknowledged"
    assert all(rows.get(write.body["username"]) == 1 for write in creates)
    unexpected = [
        (timeline.at(a.sent), a.status)
        for a in failures
        if (a.status not in (503, 504) and not isinstance(a.status, str))
        or not any(a.answered >= f.window()[0] and a.sent <= f.window()[1] for f in timeline.faults)
    ]
    assert not unexpected, f"failures outside a fault's window, or not 503/504: {unexpected[:10]}"
    for fault in timeline.faults:
        assert fault.recovered is not None and fault.recovered - fault.started <= RECOVERY_SECONDS, fault


class ReadinessProbe:
    """Polls /ready (checked at most once a second by the edge) and keeps what it named failing."""

    def __init__(self, base_url: str, *, every_seconds: float = 0.25) -> None:
        self.base_url = base_url
        self.every_seconds = every_seconds
        self.seen: list[tuple[float, int, dict]] = []  # (when, status, the checks not "ok")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "ReadinessProbe":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _poll(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=5) as http:
            while not self._stop.wait(self.every_seconds):
                try:
                    response = http.get("/ready")
                except httpx.TransportError:
                    continue
                checks = response.json().get("checks", {})
                failing = {name: value for name, value in checks.items() if value != "ok"}
                self.seen.append((time.monotonic(), response.status_code, failing))

    def failing_between(self, start: float, end: float) -> dict[str, set[str]]:
        """Check name → the values it had while failing, between `start` and `end`."""
        named: dict[str, set[str]] = {}
        for when, _, failing in self.seen:
            if start <= when <= end:
                for name, value in failing.items():
                    named.setdefault(name, set()).add(value)
        return named

    def wait_for(self, name: str, *, since: float, timeout: float = 15) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if name in self.failing_between(since, time.monotonic()):
                return True
            time.sleep(0.1)
        return False
