"""One bench run's settings (from the command line) and the report data every step adds to."""

import argparse
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from common import BENCH

# The bench's scratch resources: created at the start, removed at the end (unless --keep).
DB_NAME = "usersvc_bench"
VHOST = "usersvc-bench"
REDIS_PREFIX = "usersvc-bench"
# The pass that checks "256 connections on any path: no errors, no stall".
HIGH_CONNECTIONS = 256
HIGH_TIMEOUT_S = 5  # there, a request unanswered this long counts as an error (wrk timeout)


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.results_dir = Path(args.results) if args.results else BENCH / "results" / ("quick" if args.quick else "")
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir = self.results_dir / "data"
        self.work_dir.mkdir(exist_ok=True)
        self.tag = secrets.token_hex(2)  # in seeded usernames and created users: unique per run
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        self.edge_processes = args.edge_processes or self.cores
        self.duration = args.duration or (10 if args.quick else 30)
        self.bcrypt_duration = args.bcrypt_duration or (20 if args.quick else 60)
        self.warmup = 2 if args.quick else 5
        self.staff_tokens = args.tokens or (64 if args.quick else 128)
        self.get_ids = args.get_ids or (2000 if args.quick else 10000)
        self.managed = args.url is None  # False: --url, a usersvc someone else runs
        self.amqp_url = f"{args.amqp_base.rstrip('/')}/{VHOST}"
        # The bench database: the managed service's, and the insert baseline's in every mode.
        self.bench_db_url = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
        self.database_url = args.database_url or self.bench_db_url
        self.redis_url = args.redis_url
        # What results.json holds besides the rows; the steps add their parts in turn.
        self.report: dict = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "quick" if self.quick else "full",
            "cores": self.cores,
            "edge_processes": self.edge_processes,
            "connections": args.connections,
            "threads": args.threads,
            "duration_s": self.duration,
            "bcrypt_duration_s": self.bcrypt_duration,
        }
