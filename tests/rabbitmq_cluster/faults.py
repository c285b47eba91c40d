"""What every fault test here checks once its load has stopped, and the timeline it prints."""

import asyncio
import re
import time
from dataclasses import dataclass, field

from tests.rabbitmq_cluster.load import WriteLoad, applied_counts, created_usernames
from tests.support import Stack

# The edge answers again within this long after a fault (aio-pika reconnects every 5 s, a
# call whose reply was lost ends after RPC_TIMEOUT_SECONDS, 3 s here; the rest is slack for
# a loaded two-core machine).
RECOVERY_SECONDS = 20
# After a restart (a node rejoining, PostgreSQL accepting again) failures may go on this long.
SETTLE_SECONDS = 10


@dataclass
class Fault:
    name: str
    started: float
    ended: float | None = None  # the failed part restarted (or the fault needed no restart)
    recovered: float | None = None  # the first write sent after `started` acknowledged

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
        fault.recovered = load.first_success_after(fault.started)
        if fault.recovered is not None:
            return
        time.sleep(0.2)


def broker_node_port(log: str) -> int:
    """The node a process connected to last (usersvc/broker_failover.py logs each one)."""
    return int(re.findall(r"connected to broker node 127\.0\.0\.1:(\d+)", log)[-1])


def check_and_report(stack: Stack, load: WriteLoad, timeline: Timeline, caller_id: str, title: str) -> None:
    """Every acknowledged write in PostgreSQL once, every retried one at most once (once if
    acknowledged), failures (503/504 or a lost connection) only inside a fault's window,
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
    for fault in timeline.faults:
        start, end = fault.window()
        inside = [a for a in failures if start <= a.sent <= end]
        statuses = sorted({str(a.status) for a in inside})
        failing = f"{inside[-1].answered - inside[0].sent:.1f}s" if inside else "0s"
        if fault.recovered is not None and inside:  # recovered: every client's writes go through again
            fault.recovered = max(fault.recovered, inside[-1].answered)
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
        or not any(f.window()[0] <= a.sent <= f.window()[1] for f in timeline.faults)
    ]
    assert not unexpected, f"failures outside a fault's window, or not 503/504: {unexpected[:10]}"
    for fault in timeline.faults:
        assert fault.recovered is not None and fault.recovered - fault.started <= RECOVERY_SECONDS, fault
