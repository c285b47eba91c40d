"""usersvc against this machine's own limits, measured side by side (issue 3).

Run through `bench/run` (which installs wrk and bench/requirements.txt first):

    bench/run --quick          # < 10 minutes; results in bench/results/quick/
    bench/run                  # the full run; results in bench/results/
    bench/run --url http://127.0.0.1:8000 --database-url postgres://… \
              --admin-username admin --admin-password '…'   # a usersvc someone else runs
    bench/run --quick --template-url http://127.0.0.1:18300 --template-password '…'
                               # + the FastAPI template beside it (docs/scaling.md)
    bench/run --sweep --quick  # cached GET and PATCH for workers x edge processes (sweep.py)
    bench/run --quick --only cached_get,graphql_user,list_filtered,graphql_list --rounds 3
                               # only these rows, in turn, each pair in the same run (no report.md)

What it does, in order: start usersvc (`usersvc run --workers 2`) on a bench-only database,
Redis key prefix and RabbitMQ vhost with the rate limits raised; seed users straight into
PostgreSQL (COPY, one shared bcrypt hash from the service's own hasher); log in staff users
through the API for tokens; warm the cache; drive each scenario with wrk (-t2 -c64) and
bench/lua/*.lua (list_with_writes adds PATCHes and logins from the bench, writers.py; the
c256_ rows repeat GET and PATCH at 256 connections, looking for errors and stalls; with
--template-url the FastAPI template takes the same GET and PATCH load, template.py), each
beside its baseline driven by the same tool and concurrency while usersvc stays up; time
bcrypt; write report.md, results.json and latency.png; clean up; print the table, the targets and, last,
the BENCH line.

The open_* rows are open-loop (openloop.py, not wrk): requests on a fixed schedule at half
(--open-load) of a capacity measured just before (list_filtered's req/s for open_list and
open_list_with_writes, base_rpc_insert's for open_patch), each request's latency taken from
when it was due, so the queueing a closed loop hides is counted (docs/scaling.md).
"""

# This file parses the command line and runs the steps in order; each step is a module:
# stack.py (usersvc, the scratch database, vhost and Redis prefix, processes), seed.py
# (users, tokens, warm cache), baselines.py (bench/baselines/ servers, bcrypt), scenarios.py
# (wrk; openloop.py, run as a process, for the open_* rows), writers.py (background
# writes), template.py (the FastAPI template), report.py (results), sweep.py (--sweep).
# Shared: config.py (the run's settings), common.py (log, HTTP), watch.py (CPU and RSS per
# process).
import argparse
import os
import shutil
import signal
import sys
import time
import urllib.parse

import report
from baselines import start_baselines
from config import DB_NAME, HIGH_CONNECTIONS, VHOST, Run
from scenarios import ONLY_ROWS, Scenarios
from seed import prepare_data
from stack import Stack
from sweep import run_sweep
from template import Template


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs (< 10 min); results in bench/results/quick/")
    parser.add_argument("--url", help="benchmark a running usersvc instead of starting one")
    parser.add_argument("--database-url", help="with --url: its database, for seeding (default: bench-only db)")
    parser.add_argument("--admin-username", default="admin", help="with --url: an admin to log in as")
    parser.add_argument(
        "--admin-password",
        default=os.environ.get("BENCH_ADMIN_PASSWORD"),
        help="with --url: that admin's password (or BENCH_ADMIN_PASSWORD)",
    )
    parser.add_argument(
        "--amqp-base",
        default="amqp://guest:guest@127.0.0.1:5672",
        help=f"broker URL without vhost; the bench uses vhost {VHOST}",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--port", type=int, default=18180, help="usersvc port (baselines use the next two)")
    parser.add_argument("--workers", type=int, default=2, help="usersvc worker processes (and baseline consumers)")
    parser.add_argument(
        "--edge-processes",
        type=int,
        default=None,
        help="usersvc edge processes (and Sanic+Redis baseline processes); default: the cores",
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=float, help="seconds per scenario (10 quick, 30 full)")
    parser.add_argument("--bcrypt-duration", type=float, help="seconds for login/create (20 quick, 60 full)")
    parser.add_argument("--users", type=int, default=10000, help="users to seed")
    parser.add_argument("--tokens", type=int, help="staff users to log in (64 quick, 128 full)")
    parser.add_argument("--get-ids", type=int, help="distinct ids for cached GET (2000 quick, 10000 full)")
    parser.add_argument("--results", help="results directory (default bench/results[/quick])")
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs of edge and a worker")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for usersvc (repeatable), for experiments",
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated rows to run, in that order, and nothing else ({', '.join(ONLY_ROWS)}); "
        "prints their req/s and each GraphQL row's ratio to its REST twin, writes only.json",
    )
    parser.add_argument("--rounds", type=int, default=1, help="with --only: run the rows this many times over")
    parser.add_argument("--keep", action="store_true", help="keep the bench database, vhost and redis keys")
    parser.add_argument(
        "--list-write-every",
        type=float,
        default=50,
        help="list_with_writes: one write per this many list reads (counted on the edge's /metrics)",
    )
    parser.add_argument(
        "--list-login-rate", type=float, default=2, help="list_with_writes: logins per second among those writes"
    )
    open_loop = parser.add_argument_group("open loop (openloop.py: a fixed schedule, latency from each due time)")
    open_loop.add_argument(
        "--open-load",
        type=float,
        default=0.5,
        help="rate of the open_* rows as a share of the measured capacity they bound (default 0.5)",
    )
    open_loop.add_argument(
        "--open-max-connections",
        type=int,
        default=HIGH_CONNECTIONS,
        help="connections the open-loop generator may open per stream; past them, requests queue in it (and wait)",
    )
    template = parser.add_argument_group("the FastAPI full-stack template beside usersvc (docs/scaling.md)")
    template.add_argument("--template-url", help="its backend, e.g. http://127.0.0.1:18300 (rows template_*)")
    template.add_argument("--template-user", default="admin@example.com", help="its superuser (FIRST_SUPERUSER)")
    template.add_argument(
        "--template-password",
        default=os.environ.get("BENCH_TEMPLATE_PASSWORD"),
        help="that superuser's password (or BENCH_TEMPLATE_PASSWORD)",
    )
    template.add_argument("--template-users", type=int, default=300, help="users to create there through its API")
    sweep = parser.add_argument_group("scaling curves (sweep.py)")
    sweep.add_argument("--sweep", action="store_true", help="only cached GET and PATCH per workers x edge processes")
    sweep.add_argument("--sweep-workers", default="1,2,4", help="worker counts to sweep")
    sweep.add_argument("--sweep-edge-processes", default="1,2", help="edge process counts to sweep")
    args = parser.parse_args(argv)
    if args.template_url and not args.template_password:
        parser.error("--template-url needs --template-password (or BENCH_TEMPLATE_PASSWORD)")
    if args.sweep and args.url:
        parser.error("--sweep starts usersvc itself for each combination; it takes no --url")
    if args.url and not args.database_url:
        parser.error("--url needs --database-url (seeding writes straight into PostgreSQL)")
    if args.url and urllib.parse.urlsplit(args.database_url).path.lstrip("/") == DB_NAME:
        parser.error(
            f"{DB_NAME} is the bench's own scratch database (dropped at start and end); "
            "point --database-url at the service's database"
        )
    if args.only:
        unknown = [name for name in args.only.split(",") if name not in ONLY_ROWS]
        if unknown:
            parser.error(f"--only: unknown rows {', '.join(unknown)} (known: {', '.join(ONLY_ROWS)})")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (bench/run installs it with apt-get)")
    return args


def run_bench(args: argparse.Namespace) -> int:
    run = Run(args)
    stack = Stack(run)
    started = time.monotonic()
    template = Template(run) if run.args.template_url else None
    if template:
        template.login()
    try:
        stack.start()
        paths = prepare_data(run, stack.url)
        if args.only:
            scenarios = Scenarios(run, stack, {}, template)
            scenarios.run_only(paths, args.only.split(","), rounds=args.rounds)
        else:
            scenarios = Scenarios(run, stack, start_baselines(run, stack), template)
            scenarios.run_all(paths)
        run.report["peak_rss_mib"] = stack.peak_rss_mib()
    finally:
        stack.cleanup()
    if args.only:
        report.finish_only(run, scenarios.rounds)
    else:
        report.finish(run, scenarios.rows, started)
    return 0


def main() -> int:
    args = parse_args()

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt  # runs run_bench's cleanup

    signal.signal(signal.SIGTERM, interrupted)
    return run_sweep(args) if args.sweep else run_bench(args)


if __name__ == "__main__":
    sys.exit(main())
