"""The measurements: each usersvc scenario driven by wrk and bench/lua/*.lua beside its
baseline, with the edge's /metrics and the CPU per process group taken around it."""

import base64
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from baselines import SCENARIOS as BASELINE_SCENARIOS
from baselines import bcrypt_baseline
from common import BENCH, LUA, Http, log
from config import HIGH_CONNECTIONS, HIGH_TIMEOUT_S, Run
from seed import LIST_PATH, SEED_PASSWORD
from stack import Stack
from template import TEMPLATE_RECOVERY_S, USERS_PREFIX, Template
from watch import ProcessWatch
from writers import BackgroundWrites

from usersvc.edge.metrics import FLUSH_SECONDS

T = TypeVar("T")
NOISY_OTHER_PCT = 25  # CPU (% of one core) used by processes outside the bench that flags a scenario
GRAPHQL_USER_FIELDS = (
    "id username email firstName lastName phone role isActive emailVerified mfaEnabled lastLoginAt createdAt updatedAt"
)
# --only: the rows that run alone (no baseline, no background writes), and each GraphQL row's REST twin.
ONLY_ROWS = ("cached_get", "graphql_user", "list_filtered", "graphql_list")
TWINS = {"graphql_user": "cached_get", "graphql_list": "list_filtered"}
METRIC_LINE = re.compile(r"^(\w+)\{([^}]*)\}\s+([0-9.eE+-]+|NaN)$")


def parse_metrics(text: str) -> dict[tuple[str, frozenset], float]:
    """Prometheus text: {(metric, labels): value} for the labelled samples."""
    values = {}
    for line in text.splitlines():
        match = METRIC_LINE.match(line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
            values[(match.group(1), labels)] = float(match.group(3))
    return values


def metric_delta(before: dict, after: dict, name: str) -> dict[frozenset, float]:
    return {
        labels: value - before.get((metric, labels), 0.0) for (metric, labels), value in after.items() if metric == name
    }


def cache_hit_ratio(rows: dict[str, dict]) -> dict:
    """Hit ratio over the read scenarios only (their measured runs, not the warm-ups)."""
    hits = lookups = 0
    per_kind: dict[str, dict[str, int]] = {}
    for row in rows.values():
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
    return {"hits": hits, "lookups": lookups, "hit_ratio": hits / lookups if lookups else 0.0, "per_kind": per_kind}


def read_lines(path: str) -> list[str]:
    return Path(path).read_text().split()


def patch_requests(paths: dict[str, str], prefix: str) -> list[dict]:
    """openloop.py requests: PATCH first_name of each target in turn, staff tokens in turn; each
    sets a new value (the run's start time and the request's number, openloop.py's "{n}")."""
    tokens, run = read_lines(paths["staff_tokens"]), f"{int(time.time()):x}"
    return [
        {
            "method": "PATCH",
            "path": f"/v1/users/{target}",
            "headers": {"Authorization": f"Bearer {tokens[i % len(tokens)]}", "Content-Type": "application/json"},
            "body": '{"first_name":"' + prefix + run + 'n{n}"}',
        }
        for i, target in enumerate(read_lines(paths["patch_targets"]))
    ]


class Scenarios:
    def __init__(self, run: Run, stack: Stack, baseline_urls: dict[str, str], template: Template | None = None) -> None:
        self.run = run
        self.args = run.args
        self.stack = stack
        self.baseline_urls = baseline_urls
        self.template = template
        self.wrk = shutil.which("wrk")
        self.rows: dict[str, dict] = {}  # scenario -> its row, in the order they ran
        self.rounds: list[dict[str, dict]] = []  # --only: the rows of each round
        self.bcrypt_backlog = 0.0

    def run_all(self, paths: dict[str, str]) -> None:
        """Each scenario next to its baseline, so the two share the machine's mood of the moment."""
        run = self.run
        template_paths = self.template.prepare(self.stack.watch) if self.template else {}
        self.baseline("base_sanic_redis")
        spies = self.profile("cached_get", run.duration)
        self.cached_get(paths)
        for spy in spies:
            spy.wait()
        self.graphql_user(paths)
        if self.template:
            self.template_get(template_paths)
        self.list_filtered(paths)
        self.graphql_list(paths)
        self.list_with_writes(paths)
        self.open_list(paths)
        self.baseline("base_rpc_noop")
        self.baseline("base_rpc_insert")
        spies = self.profile("patch", run.duration)
        self.patch(paths)
        for spy in spies:
            spy.wait()
        self.open_patch(paths)
        if self.template:
            self.template_patch(template_paths)
        self.baseline("base_rpc_insert_durable")
        self.scenario(
            "mix_90_10",
            url=self.stack.url,
            script="mix.lua",
            script_args=[
                f"tokens={paths['staff_tokens']}",
                f"ids={paths['get_ids']}",
                f"targets={paths['patch_targets']}",
            ],
            note="9 cached GETs : 1 PATCH",
        )
        # Many connections: errors (timeouts after HIGH_TIMEOUT_S included) and stalls.
        self.cached_get(paths, high=True)
        self.patch(paths, high=True)
        bcrypt_baseline(run)
        self.scenario(
            "create",
            url=self.stack.url,
            script="create.lua",
            script_args=[f"tokens={paths['admin_tokens']}", f"tag={run.tag}"],
            bcrypt=True,
            note="POST /v1/users (admin), bcrypt hash",
        )
        self.scenario(
            "login",
            url=self.stack.url,
            script="login.lua",
            script_args=[f"users={paths['login_users']}", f"password={SEED_PASSWORD}"],
            bcrypt=True,
            note="POST /v1/auth/login, distinct users, bcrypt verify",
        )
        if self.template:  # last: the template may take a while to recover from these
            self.template_get(template_paths, high=True)
            self.template_patch(template_paths, high=True)
        run.report["cache"] = cache_hit_ratio(self.rows)

    def run_only(self, paths: dict[str, str], names: list[str], *, rounds: int) -> None:
        """--only: these rows, in this order, `rounds` times over (a GraphQL row and its REST
        twin are compared within one round: the machine is shared)."""
        for number in range(rounds):
            log(f"round {number + 1} of {rounds}")
            self.rows = {}
            for name in names:
                spies = self.profile(f"{name}-{number + 1}", self.run.duration + self.run.warmup, collapsed=True)
                getattr(self, name)(paths)
                for spy in spies:
                    spy.wait()
            self.rounds.append(self.rows)

    # --- the scenarios that run more than once (and in bench/sweep.py) -------------------------

    @staticmethod
    def named(name: str, high: bool) -> str:
        return f"c{HIGH_CONNECTIONS}_{name}" if high else name

    def cached_get(self, paths: dict[str, str], *, high: bool = False) -> dict:
        n_ids = len(Path(paths["get_ids"]).read_text().split())
        return self.scenario(
            self.named("cached_get", high),
            url=self.stack.url,
            script="get_user.lua",
            script_args=[f"tokens={paths['staff_tokens']}", f"ids={paths['get_ids']}"],
            note=f"GET /v1/users/{{id}} over {n_ids} warmed ids",
            read=not high,
            high=high,
        )

    def patch(self, paths: dict[str, str], *, high: bool = False) -> dict:
        return self.scenario(
            self.named("patch", high),
            url=self.stack.url,
            script="patch.lua",
            script_args=[f"tokens={paths['staff_tokens']}", f"targets={paths['patch_targets']}"],
            note="PATCH /v1/users/{id} first_name, distinct targets per connection",
            high=high,
        )

    def list_filtered(self, paths: dict[str, str]) -> dict:
        return self.scenario(
            "list_filtered",
            url=self.stack.url,
            script="list.lua",
            script_args=[f"tokens={paths['staff_tokens']}", f"path={LIST_PATH}"],
            note=f"GET {LIST_PATH}",
            read=True,
        )

    def graphql(self, name: str, paths: dict[str, str], bodies: list[dict], note: str) -> dict:
        """A GraphQL twin of a REST read: POST /graphql with these bodies (graphql.lua)."""
        path = self.run.work_dir / f"{name}.bodies"
        path.write_text("".join(json.dumps(body, separators=(",", ":")) + "\n" for body in bodies))
        return self.scenario(
            name,
            url=self.stack.url,
            script="graphql.lua",
            script_args=[f"tokens={paths['staff_tokens']}", f"bodies={path}"],
            note=note,
            read=True,
        )

    def graphql_user(self, paths: dict[str, str]) -> dict:
        """cached_get's twin: user(id:) with the REST resource's fields, over the same ids."""
        query = "query($id: ID!) { user(id: $id) { " + GRAPHQL_USER_FIELDS + " } }"
        ids = Path(paths["get_ids"]).read_text().split()
        bodies = [{"query": query, "variables": {"id": user_id}} for user_id in ids]
        return self.graphql("graphql_user", paths, bodies, f"POST /graphql user(id) over {len(ids)} warmed ids")

    def graphql_list(self, paths: dict[str, str]) -> dict:
        """list_filtered's twin: the same page (5th of 20, role user, active, by last_name)."""
        query = (
            'query($after: String) { users(first: 20, after: $after, role: USER, isActive: true, sort: "last_name") '
            "{ totalCount edges { node { " + GRAPHQL_USER_FIELDS + " } } } }"
        )
        after = base64.urlsafe_b64encode(b"offset:79").decode()  # the 80th item: page 5 starts after it
        body = {"query": query, "variables": {"after": after}}
        return self.graphql("graphql_list", paths, [body], "POST /graphql users(first: 20, after: …) = list_filtered")

    def list_reads(self) -> float:
        """List pages the edge has served (its list cache lookups, hits and misses)."""
        lookups = metric_delta({}, self.metrics(), "usersvc_cache_lookups_total")
        return sum(count for labels, count in lookups.items() if dict(labels).get("kind") == "list")

    def list_with_writes(self, paths: dict[str, str]) -> dict:
        """list_filtered's load, with one write per `--list-write-every` reads beside it (from
        the bench, writers.py): `--list-login-rate` logins/s, the rest PATCHes of first_name.
        The page read neither searches nor sorts by first_name, so neither kind of write
        empties it (usersvc/cache_keys.py); they compete for the CPU with the reads."""
        every, login_rate = self.args.list_write_every, self.args.list_login_rate

        def writes() -> BackgroundWrites:
            lines = {name: Path(paths[name]).read_text().split() for name in paths}
            return BackgroundWrites(
                self.stack.url,
                reads=self.list_reads,
                every=every,
                login_rate=login_rate,
                tokens=lines["staff_tokens"],
                targets=lines["patch_targets"],
                login_users=lines["login_users"],
                password=SEED_PASSWORD,
            )

        row = self.scenario(
            "list_with_writes",
            url=self.stack.url,
            script="list.lua",
            script_args=[f"tokens={paths['staff_tokens']}", f"path={LIST_PATH}"],
            during=writes,
        )
        written = sum(kind["done"] + kind["failed"] for kind in row["background"].values())
        row["reads_per_write"] = row["requests"] / written if written else None
        lookups = row["cache_lookups"]
        list_lookups = lookups.get("list:hit", 0) + lookups.get("list:miss", 0)
        row["list_hit_ratio"] = lookups.get("list:hit", 0) / list_lookups if list_lookups else None
        patches, logins = row["background"]["patch"], row["background"]["login"]
        row["note"] = (
            f"as list_filtered, with writes from the bench: 1 per {every:g} list reads served, "
            f"{login_rate:g} logins/s (bcrypt) and the rest PATCH first_name (neither moves users "
            f"on this page); done: {patches['done']} PATCH, {logins['done']} logins, "
            + (f"{row['reads_per_write']:.0f} reads per write" if row["reads_per_write"] else "no writes")
        )
        if not list_lookups:
            log("warning: list_with_writes: no list reads counted on /metrics, so no PATCHes were sent")
        return row

    # --- open loop (openloop.py): requests on a fixed schedule, latency from when each was due --

    def open_list(self, paths: dict[str, str]) -> None:
        """The list page at `--open-load` of list_filtered's closed-loop req/s: first alone (all
        cache hits), then at the same rate with logins and PATCHes beside it, each on its own
        schedule (one write per `--list-write-every` reads, `--list-login-rate` of them
        logins) from the same generator. Both rows' latencies are the reads' alone."""
        rate = self.args.open_load * self.rows["list_filtered"]["rps"]
        capacity = ("list_filtered", self.rows["list_filtered"]["rps"])
        every, login_rate = self.args.list_write_every, self.args.list_login_rate
        reads = {
            "name": "list",
            "rate": rate,
            "requests": [
                {"method": "GET", "path": LIST_PATH, "headers": {"Authorization": f"Bearer {token}"}}
                for token in read_lines(paths["staff_tokens"])
            ],
        }
        all_hits = f"GET {LIST_PATH}, all hits"
        self.open_loop("open_list", [reads], capacity=capacity, same_load="list_filtered", note=all_hits)
        logins = {
            "name": "login",
            "rate": login_rate,
            "requests": [
                {
                    "method": "POST",
                    "path": "/v1/auth/login",
                    "headers": {"Content-Type": "application/json"},
                    "body": json.dumps({"username": username, "password": SEED_PASSWORD}),
                }
                for username in read_lines(paths["login_users"])
            ],
        }
        patch_rate = max(0.0, rate / every - login_rate)
        patches = {"name": "patch", "rate": patch_rate, "requests": patch_requests(paths, "Olw")}
        self.open_loop(
            "open_list_with_writes",
            [reads, patches, logins],
            capacity=capacity,
            same_load="list_with_writes",
            note=(
                f"as open_list, with {patches['rate']:.1f} PATCH first_name/s and {login_rate:g} logins/s "
                f"(bcrypt) beside it: 1 write per {every:g} reads"
            ),
        )

    def open_patch(self, paths: dict[str, str]) -> dict:
        """PATCH at `--open-load` of the RPC + INSERT baseline's closed-loop req/s."""
        capacity = ("base_rpc_insert", self.rows["base_rpc_insert"]["rps"])
        patches = {"name": "patch", "rate": self.args.open_load * capacity[1], "requests": patch_requests(paths, "Ol")}
        return self.open_loop(
            "open_patch",
            [patches],
            capacity=capacity,
            same_load="patch",
            note="PATCH /v1/users/{id} first_name, targets in turn",
        )

    def open_loop(
        self, name: str, streams: list[dict], *, capacity: tuple[str, float], same_load: str, note: str
    ) -> dict:
        """One openloop.py run (warm-up, then the measured part, at one rate throughout) with
        metrics and CPU taken around it. The row's latencies are those of its first stream;
        errors count every stream's answers >= 400, broken connections and timeouts.
        capacity: the row whose req/s the rate is a share of; same_load: usersvc's closed-loop
        row of the same load, whose req/s is what usersvc itself managed (offered above it, the
        queue grows for the whole run)."""
        run = self.run
        spec = {
            "url": self.stack.url,
            "duration_s": run.duration,
            "warmup_s": run.warmup or 1,
            "max_connections": self.args.open_max_connections,
            "drain_s": 30,
            "streams": streams,
        }
        spec_path = run.work_dir / f"{name}.json"
        spec_path.write_text(json.dumps(spec))

        def load() -> dict:
            command = [sys.executable, str(BENCH / "openloop.py"), str(spec_path)]
            timeout = spec["warmup_s"] + run.duration + spec["drain_s"] + 60
            result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
            for line in result.stdout.splitlines():
                if line.startswith("OPENLOOP "):
                    return json.loads(line.removeprefix("OPENLOOP "))
            raise RuntimeError(f"openloop.py gave no summary (rc {result.returncode}): {result.stderr[-2000:]}")

        result, around = self.measured(name, load, service=True, generator="openloop")
        main = result["streams"][streams[0]["name"]]
        latency, late = main["latency"], main["generator_late"]
        nothing = float("inf")  # no answer at all: no percentile to show, no target met
        row = {
            "scenario": name,
            "rps": (main["answered"] - main["errors"]["status"]) / run.duration,
            "requests": main["due"],
            "offered_rps": main["rate"],
            "p50_ms": latency.get("p50_ms", nothing),
            "p95_ms": latency.get("p95_ms", nothing),
            "p99_ms": latency.get("p99_ms", nothing),
            "max_ms": latency.get("max_ms", nothing),
            "errors": sum(sum(stream["errors"].values()) for stream in result["streams"].values()),
            "generator_late_p99_ms": late.get("p99_ms", nothing),
            "open_loop": result,
            "capacity": {"of": capacity[0], "rps": capacity[1], "load": self.args.open_load},
            "same_load": {"of": same_load, "rps": self.rows[same_load]["rps"]},
            **around,
            "bcrypt_bound": False,
            "service": True,
            "external": False,
            "read": False,
            "connections": result["peak_connections"],
            "note": note,
        }
        self.rows[name] = row
        log(
            f"{name}: {row['offered_rps']:,.1f} req/s offered, {row['rps']:,.1f} answered; from due time "
            f"p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms "
            f"(generator late p99 {row['generator_late_p99_ms']:.1f} ms); "
            f"errors {row['errors']}; generator {around['cpu_pct_of_core'].get('openloop', 0):.0f}% of a core"
        )
        return row

    def template_ready(self, name: str, high: bool) -> bool:
        """Whether the template answers again (within TEMPLATE_RECOVERY_S) after the last load.
        Only a many-connections row is skipped (and said so) when it does not."""
        try:
            waited = self.template.wait_ready(timeout=TEMPLATE_RECOVERY_S if high else 120)
        except RuntimeError as error:
            if not high:
                raise
            log(f"{name} not run: {error}")
            self.run.report["template"].setdefault("not_run", []).append(f"{name}: {error}")
            return False
        if waited > 1:
            log(f"template: waited {waited:.0f} s for it to answer again")
        return True

    def template_get(self, paths: dict[str, str], *, high: bool = False) -> dict | None:
        return self.on_template(
            "template_get",
            high,
            script="get_user.lua",
            script_args=[
                f"tokens={paths['template_tokens']}",
                f"ids={paths['template_ids']}",
                f"prefix={USERS_PREFIX}",
            ],
            note=f"FastAPI template: GET {USERS_PREFIX}{{id}} (get_user.lua, superuser)",
        )

    def template_patch(self, paths: dict[str, str], *, high: bool = False) -> dict | None:
        return self.on_template(
            "template_patch",
            high,
            script="patch.lua",
            script_args=[
                f"tokens={paths['template_tokens']}",
                f"targets={paths['template_ids']}",
                f"prefix={USERS_PREFIX}",
                "field=full_name",
            ],
            note=f"FastAPI template: PATCH {USERS_PREFIX}{{id}} full_name (patch.lua, superuser)",
        )

    def on_template(self, name: str, high: bool, **scenario) -> dict | None:
        """A row against the template, run only when it answers (template_ready)."""
        name = self.named(name, high)
        if not self.template_ready(name, high):
            return None
        return self.scenario(name, url=self.template.url, service=False, external=True, high=high, **scenario)

    def baseline(self, name: str) -> dict:
        server, note = BASELINE_SCENARIOS[name]
        return self.scenario(name, url=self.baseline_urls[server], script="plain.lua", service=False, note=note)

    def metrics(self) -> dict:
        try:
            # A service on another host shows /metrics only to METRICS_ALLOW or its token.
            return parse_metrics(Http(self.stack.url).text("/metrics", token=os.environ.get("METRICS_TOKEN")))
        except OSError:
            return {}

    def wrk_run(
        self, url: str, script: str, script_args: list[str], duration: float, connections: int, timeout_s: float
    ) -> dict:
        command = [
            self.wrk,
            f"-t{self.args.threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            f"{timeout_s:g}s",
            "-s",
            str(LUA / script),
            url,
            "--",
            *script_args,
            f"threads={self.args.threads}",
        ]
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=duration + 120)
        for line in result.stdout.splitlines():
            if line.startswith("BENCHJSON "):
                return json.loads(line.removeprefix("BENCHJSON "))
        raise RuntimeError(
            f"wrk gave no summary (rc {result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}"
        )

    def scenario(
        self,
        name: str,
        *,
        url: str,
        script: str,
        script_args: list[str] = (),
        bcrypt: bool = False,
        service: bool = True,
        read: bool = False,
        high: bool = False,
        external: bool = False,
        during: Callable[[], BackgroundWrites] | None = None,
        note: str = "",
    ) -> dict:
        """One wrk run (after a warm-up unless bcrypt-bound) with metrics and CPU taken around it.

        high: at HIGH_CONNECTIONS, timing out after HIGH_TIMEOUT_S, counting completions per
        second (stalled_s = whole seconds with none). external: not usersvc (the FastAPI
        template), kept out of the errors total. during: background writes around the
        measured run (their failures count as errors, their latencies go in the row).

        errors = wrk's count of answers with status >= 400 plus its socket errors and timeouts
        (not the edge's count: measured()).
        """
        run = self.run
        duration = run.bcrypt_duration if bcrypt else run.duration
        connections, timeout_s = (HIGH_CONNECTIONS, HIGH_TIMEOUT_S) if high else (self.args.connections, 30)
        script_args = [*script_args, "per_second=1"] if high else list(script_args)
        if not bcrypt and run.warmup:
            self.wrk_run(url, script, script_args, run.warmup, connections, timeout_s)

        def load() -> tuple[dict, BackgroundWrites | None]:
            with during() if during else contextlib.nullcontext() as background:
                return self.wrk_run(url, script, script_args, duration, connections, timeout_s), background

        (summary, background), around = self.measured(name, load, service=service, generator="wrk")
        errors = summary["errors"]
        error_count = sum(errors.values()) + (background.failed if background else 0)
        # Throughput counts only the answers that succeeded: a 504 after 10 s is not a login.
        rps = (summary["requests"] - errors["status"]) / (summary["duration_us"] / 1e6)
        latency = summary["latency_us"]
        row = {
            "scenario": name,
            "rps": rps,
            "requests": summary["requests"],
            "rps_all_answers": summary["requests"] / (summary["duration_us"] / 1e6),
            "p50_ms": latency["p50"] / 1000,
            "p95_ms": latency["p95"] / 1000,
            "p99_ms": latency["p99"] / 1000,
            "max_ms": latency["max"] / 1000,
            "errors": error_count,
            "wrk_errors": errors,
            **around,
            "bcrypt_bound": bcrypt,
            "service": service,
            "external": external,
            "read": read,
            "connections": connections,
            "note": note,
        }
        if high:
            # The first and last seconds are partial (wall-clock seconds); the rest must all count.
            inner = summary["per_second"][1:-1]
            row["per_second"] = summary["per_second"]
            row["stalled_s"] = sum(1 for n in inner if n == 0)
            row["min_per_s"] = min(inner) if inner else None
        if background:
            row["background"] = background.summary()
        self.rows[name] = row
        if bcrypt and "bcrypt" in run.report:
            self.bcrypt_backlog = self.args.connections / run.report["bcrypt"]["verify_rps_all_cores"] + 2
        log(
            f"{name}: {rps:,.1f} req/s p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms "
            f"errors {error_count} {row['edge_statuses'] if service else ''}"
            + (f" stalled {row['stalled_s']}s, min {row['min_per_s']}/s" if high else "")
            + (f" writes {row['background']}" if background else "")
        )
        return row

    def measured(self, name: str, load: Callable[[], T], *, service: bool, generator: str) -> tuple[T, dict]:
        """load() with the edge's /metrics and the CPU per process group taken around it, once
        the stack is idle. Returns load()'s result and the row's edge_statuses, cache_lookups
        and cpu_pct_of_core; the load generator (a child process: wrk, openloop.py) is the
        `generator` group there, by its own rusage.

        The edge's usersvc_http_responses_total delta is kept as a per-status breakdown, but
        not used for the error count: the edge books the in-flight requests a closed-loop tool
        abandons when it stops (up to its connection count) as 500s although no client ever
        receives them."""
        run, watch = self.run, self.stack.watch
        self.stack.wait_idle(service_queues=run.managed)
        if not run.managed and self.bcrypt_backlog:
            # --url: the service's queues are not ours to watch; give abandoned bcrypt work time to drain.
            time.sleep(self.bcrypt_backlog)
            self.bcrypt_backlog = 0.0
        metrics_before = self.metrics() if service else {}
        cpu_before = watch.cpu_snapshot()
        rusage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = load()
        rusage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = watch.cpu_snapshot()
        if service:  # each edge process adds its counts to /metrics that often
            time.sleep(2 * FLUSH_SECONDS)
        metrics_after = self.metrics() if service else {}
        self.stack.check_alive(name)
        statuses = {}
        for labels, count in metric_delta(metrics_before, metrics_after, "usersvc_http_responses_total").items():
            status = dict(labels).get("status")
            if count > 0 and status:
                statuses[status] = int(count)
        if statuses:
            # The /metrics read itself (list_with_writes' polls of /metrics are not taken off).
            statuses["200"] = max(0, statuses.get("200", 0) - 1)
        lookups = {}
        for labels, count in metric_delta(metrics_before, metrics_after, "usersvc_cache_lookups_total").items():
            label = dict(labels)
            if count > 0:
                lookups[f"{label.get('kind')}:{label.get('result')}"] = int(count)
        cpu = ProcessWatch.cpu_share(cpu_before, cpu_after)
        elapsed = cpu_after["t"] - cpu_before["t"]
        used = (rusage_after.ru_utime + rusage_after.ru_stime) - (rusage_before.ru_utime + rusage_before.ru_stime)
        cpu[generator] = used / elapsed * 100 if elapsed > 0 else 0.0
        cpu["other"] = max(0.0, cpu.get("other", 0.0) - cpu[generator])
        if cpu["other"] > NOISY_OTHER_PCT:
            log(f"warning: {name} was noisy: processes outside the bench used {cpu['other']:.0f}% of a core")
        return result, {
            "edge_statuses": statuses,
            "cache_lookups": lookups,
            "cpu_pct_of_core": {k: round(v, 1) for k, v in cpu.items()},
        }

    def profile(self, name: str, seconds: float, *, collapsed: bool = False) -> list[subprocess.Popen]:
        """--profile: py-spy flame graphs of the edge and one worker during a scenario
        (collapsed: the edge alone, as collapsed stacks, .txt, to read or grep)."""
        if not self.args.profile:
            return []
        spy = Path(sys.executable).with_name("py-spy")
        spy = str(spy) if spy.exists() else shutil.which("py-spy")
        if not spy:
            log("py-spy not installed; no profile")
            return []
        procs = []
        roles = (("edge", self.stack.edge_pid), ("worker", (self.stack.worker_pids or [None])[0]))
        for role, pid in roles[:1] if collapsed else roles:
            if pid:
                out = self.run.results_dir / f"profile-{name}-{role}.{'txt' if collapsed else 'svg'}"
                procs.append(
                    subprocess.Popen(
                        # Python frames only (native ones hide where the time goes in our code);
                        # the edge's pid is Sanic's manager: its serving processes are children.
                        [spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-o", str(out)]
                        + ["-r", "250" if collapsed else "67"]
                        + (["--nonblocking", "--subprocesses"] if role == "edge" else [])
                        + (["--format", "raw"] if collapsed else []),
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
        return procs
