"""Scaling curves (`bench/run --sweep`): cached GET and PATCH for each number of workers x
edge processes, each combination on a fresh stack (database, vhost, Redis prefix), with the
CPU each process group used. Writes sweep.md (the table docs/scaling.md quotes) and
sweep.json to bench/results[/quick]/sweep/; each combination's logs and data go in a
subdirectory of it.
"""

import argparse
import copy
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from common import BENCH, log
from config import Run
from scenarios import Scenarios
from seed import prepare_data
from stack import Stack

SWEEP_TOKENS = 16  # staff logins per combination (bcrypt-bound; the full run's 64-128 take long)
CPU_GROUPS = ("edge", "workers", "postgres", "redis", "rabbitmq", "wrk", "other", "total")


def counts(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def measure(args: argparse.Namespace, workers: int, edges: int, results: Path) -> list[dict]:
    combo = copy.copy(args)
    combo.workers, combo.edge_processes = workers, edges
    combo.results = str(results / f"w{workers}-e{edges}")
    combo.tokens = args.tokens or SWEEP_TOKENS
    run = Run(combo)
    stack = Stack(run)
    try:
        stack.start()
        paths = prepare_data(run, stack.url)
        scenarios = Scenarios(run, stack, {})
        rows = [scenarios.cached_get(paths), scenarios.patch(paths)]
    finally:
        stack.cleanup()
    return [{"workers": workers, "edge_processes": edges, "cores": run.cores, **row} for row in rows]


def markdown(rows: list[dict], header: str) -> str:
    lines = [
        header,
        "",
        "CPU in % of one core (the machine has "
        f"{rows[0]['cores'] * 100 if rows else '?'}%); `other` is what ran outside the bench's processes.",
        "",
        "| scenario | workers | edge processes | req/s | p50 ms | p99 ms | errors | "
        + " | ".join(f"CPU {group}" for group in CPU_GROUPS)
        + " |",
        "|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(CPU_GROUPS),
    ]
    for row in rows:
        cpu = row["cpu_pct_of_core"]
        lines.append(
            f"| {row['scenario']} | {row['workers']} | {row['edge_processes']} | {row['rps']:,.1f} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} | "
            + " | ".join(f"{cpu.get(group, 0):.0f}" for group in CPU_GROUPS)
            + " |"
        )
    return "\n".join(lines)


def run_sweep(args: argparse.Namespace) -> int:
    started, started_at = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    results = Path(args.results) if args.results else BENCH / "results" / ("quick" if args.quick else "") / "sweep"
    results.mkdir(parents=True, exist_ok=True)
    rows = []
    for workers in counts(args.sweep_workers):
        for edges in counts(args.sweep_edge_processes):
            log(f"sweep: workers={workers} edge processes={edges}")
            rows += measure(args, workers, edges, results)
    duration = args.duration or (10 if args.quick else 30)
    header = (
        f"## Scaling sweep ({'quick' if args.quick else 'full'}, {started_at})\n\n"
        f"wrk -t{args.threads} -c{args.connections}, {duration:g}s per scenario, load generator on the same "
        f"machine; `usersvc run --workers W` with `EDGE_PROCESSES=E`, a fresh stack per combination."
    )
    rows.sort(key=lambda row: (row["scenario"], row["workers"], row["edge_processes"]))
    table = markdown(rows, header)
    (results / "sweep.md").write_text(table + "\n")
    (results / "sweep.json").write_text(json.dumps({"started_at": started_at, "rows": rows}, indent=2, default=str))
    log(f"sweep done in {time.monotonic() - started:.0f}s; {results / 'sweep.md'}")
    print(table, flush=True)
    return 0
