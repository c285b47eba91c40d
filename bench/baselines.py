"""The baselines usersvc is compared with: the servers in bench/baselines/ (started here,
loaded by scenarios.py beside the scenario each one bounds) and bcrypt timed in-process.

(This module, not the bench/baselines/ directory, is what `import baselines` finds: the
directory has no __init__.py and holds scripts run as processes.)
"""

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from common import BASELINES, free_port, log, wait_http
from config import REDIS_PREFIX, Run
from seed import SEED_PASSWORD, service_hasher
from stack import Stack

BASELINE_REDIS_KEY = f"{REDIS_PREFIX}:baseline:user"
# The baseline rows: scenario -> (server, what it is); each is loaded with plain.lua.
SCENARIOS = {
    "base_sanic_redis": ("sanic_redis", "bare Sanic handler, one redis-py GET, as many processes as the edge"),
    "base_rpc_noop": ("rpc_noop", "Sanic → own reply queue → FastStream no-op consumer"),
    "base_rpc_insert": ("rpc_insert", "same + one Tortoise INSERT in a transaction"),
    "base_rpc_insert_durable": (
        "rpc_insert_durable",
        ("rpc_insert on a quorum queue with persistent, mandatory messages (usersvc's bus settings)"),
    ),
}


def start_baselines(run: Run, stack: Stack) -> dict[str, str]:
    """All baseline servers up at once (idle ones cost nothing); {server: URL to load}."""
    urls = {}
    port = free_port(run.args.port + 1)
    process = stack.spawn(
        "baseline-sanic-redis",
        [
            sys.executable,
            str(BASELINES / "sanic_redis.py"),
            "--port",
            str(port),
            "--redis-url",
            run.redis_url,
            "--key",
            BASELINE_REDIS_KEY,
            "--processes",
            str(run.edge_processes),
        ],
        role="baseline",
    )
    wait_http(f"http://127.0.0.1:{port}", "/health", timeout=30, process=process)
    urls["sanic_redis"] = f"http://127.0.0.1:{port}/get"
    # RPC round trips: an HTTP front + as many consumers as usersvc has workers.
    for name, flags in (
        ("rpc_noop", []),
        ("rpc_insert", ["--insert"]),
        ("rpc_insert_durable", ["--insert", "--durable"]),
    ):
        rpc_args = ["--amqp-url", run.amqp_url, "--database-url", run.bench_db_url, *flags]
        for index in range(run.args.workers):
            stack.spawn(
                f"baseline-{name}-consumer-{index}",
                [sys.executable, str(BASELINES / "rpc_noop.py"), "consumer", *rpc_args],
                role="baseline",
            )
        port = free_port(run.args.port + 2 + len(urls))
        front = stack.spawn(
            f"baseline-{name}-front",
            [sys.executable, str(BASELINES / "rpc_noop.py"), "front", "--port", str(port), *rpc_args],
            role="baseline",
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(base, "/health", timeout=30, process=front)
        wait_http(base, "/rpc", timeout=30, process=front)  # consumers answer
        urls[name] = f"{base}/rpc"
    log(f"baselines up: {urls}")
    return urls


def bcrypt_baseline(run: Run) -> None:
    """bcrypt at the configured cost with the service's own hasher: one thread, then all cores."""
    hasher, rounds = service_hasher()
    samples = 3 if run.quick else 7
    stored = hasher.hash(SEED_PASSWORD)

    def timed(fn) -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    hash_s = statistics.median(timed(lambda: hasher.hash(SEED_PASSWORD)) for _ in range(samples))
    verify_s = statistics.median(timed(lambda: hasher.verify(SEED_PASSWORD, stored)) for _ in range(samples))
    # All cores at once (bcrypt releases the GIL): the throughput actually reachable.
    jobs = run.cores * (2 if run.quick else 4)
    started = time.perf_counter()
    with ThreadPoolExecutor(run.cores) as pool:
        list(pool.map(lambda _: hasher.verify(SEED_PASSWORD, stored), range(jobs)))
    parallel_verify_rps = jobs / (time.perf_counter() - started)
    run.report["bcrypt"] = {
        "rounds": rounds,
        "hash_s": hash_s,
        "verify_s": verify_s,
        "hash_rps_all_cores": run.cores / hash_s,
        "verify_rps_all_cores": run.cores / verify_s,
        "verify_rps_measured_parallel": parallel_verify_rps,
    }
    log(
        f"bcrypt cost {rounds}: hash {hash_s * 1000:.0f} ms, verify {verify_s * 1000:.0f} ms per core; "
        f"{parallel_verify_rps:.1f} verifies/s on {run.cores} threads"
    )
