"""The results: the table, the BENCH line, latency.png, report.md and results.json."""

import json
import time

from common import log
from config import DB_NAME, HIGH_CONNECTIONS, HIGH_TIMEOUT_S, REDIS_PREFIX, VHOST, Run
from scenarios import NOISY_OTHER_PCT, TWINS
from seed import LIST_PATH
from stack import SERVICE_OVERRIDES


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def compose(run: Run, rows: dict[str, dict]) -> tuple[list[dict], dict]:
    """The table (each row beside its baseline and ratio) and the numbers of the BENCH line."""
    b = run.report["bcrypt"]
    sanic_redis = rows["base_sanic_redis"]["rps"]
    rpc_insert = rows["base_rpc_insert"]["rps"]
    mix_base = 1 / (0.9 / sanic_redis + 0.1 / rpc_insert)
    at = f"at {run.args.connections} conn"
    baselines = {
        "cached_get": ("Sanic+Redis GET", sanic_redis),
        "list_filtered": ("Sanic+Redis GET", sanic_redis),
        "list_with_writes": ("list_filtered", rows["list_filtered"]["rps"]),
        "patch": ("RPC+insert", rpc_insert),
        "create": ("cores ÷ bcrypt hash", b["hash_rps_all_cores"]),
        "login": ("cores ÷ bcrypt verify", b["verify_rps_all_cores"]),
        "mix_90_10": ("0.9/0.1 Sanic+Redis, RPC+insert", mix_base),
        "base_rpc_insert": ("RPC no-op", rows["base_rpc_noop"]["rps"]),
        "base_rpc_insert_durable": ("RPC+insert", rpc_insert),
    }
    for name in ("open_list", "open_list_with_writes", "open_patch"):
        capacity = rows[name]["capacity"]  # the ratio shows the share of it offered and answered
        baselines[name] = (f"{capacity['of']} (capacity)", capacity["rps"])
    for name in ("cached_get", "patch", "template_get", "template_patch"):
        if name in rows:  # the many-connections pass beside the same load at the usual count
            baselines[f"c{HIGH_CONNECTIONS}_{name}"] = (f"{name} {at}", rows[name]["rps"])
    table = []
    for name, row in rows.items():
        base_name, base_rps = baselines.get(name, ("—", None))
        table.append(
            {
                **row,
                "baseline": base_name,
                "baseline_rps": base_rps,
                "ratio": row["rps"] / base_rps if base_rps else None,
            }
        )
    ours = [row for row in rows.values() if not row.get("external")]  # not the FastAPI template's
    high = [row for row in ours if "stalled_s" in row]
    bench = {
        "cached_get_ratio": rows["cached_get"]["rps"] / sanic_redis,
        "cached_get_p99_ratio": ratio(rows["cached_get"]["p99_ms"], rows["base_sanic_redis"]["p99_ms"]),
        "write_ratio": rows["patch"]["rps"] / rpc_insert,
        "patch_p99_ms": rows["patch"]["p99_ms"],
        "patch_p99_ratio": ratio(rows["patch"]["p99_ms"], rows["base_rpc_insert"]["p99_ms"]),
        "open_patch_p99_ms": rows["open_patch"]["p99_ms"],
        "open_list_writes_p99_ratio": ratio(rows["open_list_with_writes"]["p99_ms"], rows["open_list"]["p99_ms"]),
        "list_ratio": rows["list_filtered"]["rps"] / sanic_redis,
        "list_writes_p99_ratio": ratio(rows["list_with_writes"]["p99_ms"], rows["list_filtered"]["p99_ms"]),
        "login_ratio": rows["login"]["rps"] / b["verify_rps_all_cores"],
        "hit_ratio": run.report["cache"]["hit_ratio"],
        "c256_errors": sum(row["errors"] for row in high),
        "c256_stalled_s": sum(row["stalled_s"] for row in high),
        "errors": sum(row["errors"] for row in ours),
    }
    if "template_get" in rows:
        bench["vs_template_get"] = ratio(rows["cached_get"]["rps"], rows["template_get"]["rps"])
        bench["vs_template_patch"] = ratio(rows["patch"]["rps"], rows["template_patch"]["rps"])
    return table, bench


def targets(run: Run, rows: dict[str, dict], bench: dict) -> str:
    """The scaling issue's targets, each with what this run measured (markdown table)."""
    cached, base = rows["cached_get"], rows["base_sanic_redis"]
    listed, busy = rows["open_list"], rows["open_list_with_writes"]
    load = f"{run.args.open_load:g}"
    checks = [
        (
            f"cached GET vs Sanic+Redis GET, {run.edge_processes} processes each",
            f"ratio {bench['cached_get_ratio']:.2f}, p99 {cached['p99_ms']:.1f} / {base['p99_ms']:.1f} ms "
            f"= {bench['cached_get_p99_ratio']:.2f}x",
            "≥ 0.7, p99 ≤ 1.5x",
            bench["cached_get_ratio"] >= 0.7 and bench["cached_get_p99_ratio"] <= 1.5,
        ),
        (
            "PATCH vs RPC+insert",
            f"ratio {bench['write_ratio']:.2f}",
            "≥ 0.6",
            bench["write_ratio"] >= 0.6,
        ),
        (
            f"PATCH p99 vs RPC+insert p99, same run, {run.args.connections} connections",
            f"{bench['patch_p99_ms']:.0f} / {rows['base_rpc_insert']['p99_ms']:.0f} ms = "
            f"{bench['patch_p99_ratio']:.2f}x",
            "≤ 1.5x",
            bench["patch_p99_ratio"] <= 1.5,
        ),
        (
            f"open loop: PATCH at {load} of RPC+insert's req/s ({rows['open_patch']['offered_rps']:,.0f}/s)",
            f"p99 {bench['open_patch_p99_ms']:.1f} ms from due time, {rows['open_patch']['errors']} errors",
            "p99 < 100 ms",
            bench["open_patch_p99_ms"] < 100,
        ),
        (
            "list page (cached) vs Sanic+Redis GET",
            f"ratio {bench['list_ratio']:.2f}",
            "≥ 0.7",
            bench["list_ratio"] >= 0.7,
        ),
        (
            f"open loop: list page with logins and writes (1 per {run.args.list_write_every:g} reads) vs all "
            f"hits, both at {load} of list_filtered's req/s ({busy['offered_rps']:,.0f}/s)",
            f"p99 {busy['p99_ms']:.1f} / {listed['p99_ms']:.1f} ms = {bench['open_list_writes_p99_ratio']:.2f}x",
            "≤ 1.5x",
            bench["open_list_writes_p99_ratio"] <= 1.5,
        ),
    ]
    if "vs_template_get" in bench:
        checks += [
            (
                "GET vs the FastAPI template",
                f"{bench['vs_template_get']:.1f}x",
                "≥ 15x",
                bench["vs_template_get"] >= 15,
            ),
            (
                "PATCH vs the FastAPI template",
                f"{bench['vs_template_patch']:.2f}x",
                "≥ 1.5x",
                bench["vs_template_patch"] >= 1.5,
            ),
        ]
    else:
        checks.append(("GET / PATCH vs the FastAPI template", "not run (--template-url)", "≥ 15x / ≥ 1.5x", None))
    checks.append(
        (
            f"{HIGH_CONNECTIONS} connections, cached GET and PATCH",
            f"errors {bench['c256_errors']}, stalled seconds {bench['c256_stalled_s']}",
            "no errors, no stall",
            bench["c256_errors"] == 0 and bench["c256_stalled_s"] == 0,
        )
    )
    lines = ["| target | measured | goal | met |", "|---|---|---|---|"]
    for target, measured, goal, met in checks:
        lines.append(f"| {target} | {measured} | {goal} | {'—' if met is None else 'yes' if met else '**no**'} |")
    return "\n".join(lines)


def markdown(table: list[dict]) -> str:
    lines = [
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | baseline | baseline req/s | ratio |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in table:
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "—"
        base_rps = f"{row['baseline_rps']:,.1f}" if row["baseline_rps"] else "—"
        lines.append(
            f"| {row['scenario']} | {row['rps']:,.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['errors']} | {row['baseline']} | {base_rps} | {ratio} |"
        )
    return "\n".join(lines)


def write_report(run: Run, table: list[dict], bench: dict, bench_line: str, goals: str) -> None:
    b, cache = run.report["bcrypt"], run.report["cache"]
    rows = {row["scenario"]: row for row in table}
    md = [
        f"# usersvc benchmark ({run.report['mode']}, {run.report['started_at']})",
        "",
        f"wrk -t{run.args.threads} -c{run.args.connections}, {run.duration}s per scenario "
        f"({run.bcrypt_duration}s for bcrypt-bound ones), {run.cores} cores, load generator on the same "
        f"machine. usersvc: `usersvc run --workers {run.args.workers}` with `EDGE_PROCESSES={run.edge_processes}`."
        if run.managed
        else f"wrk against {run.args.url} (not started by the bench).",
        "",
        markdown(table),
        "",
        "## Targets",
        "",
        goals,
        "",
        f"`{bench_line}`",
        "",
        "## Ratios",
        "",
        (
            "- cached_get_ratio = cached GET req/s ÷ bare Sanic + one Redis GET req/s (as many processes as "
            "the edge); cached_get_p99_ratio = their p99s. list_ratio = list page req/s ÷ the same."
        ),
        (
            "- write_ratio = PATCH req/s ÷ bare RPC + one INSERT in a transaction req/s; patch_p99_ms its p99, "
            "patch_p99_ratio = that ÷ the baseline's p99 (same run, same wrk connections)."
        ),
        (
            "- list_writes_p99_ratio = p99 of list_with_writes ÷ p99 of list_filtered (the same wrk load, "
            "all cache hits); the writes come from the bench beside wrk (below), so wrk's p99 is the reads' own. "
            "Closed loop at saturation: shown, no longer a target (docs/scaling.md)."
        ),
        (
            "- open_patch_p99_ms = p99 of open_patch; open_list_writes_p99_ratio = p99 of open_list_with_writes "
            "÷ p99 of open_list, the reads' alone (open loop, below)."
        ),
        (
            f"- c256_errors, c256_stalled_s: over the c{HIGH_CONNECTIONS}_ rows of usersvc: wrk errors (status "
            f">= 400, socket errors, and timeouts after {HIGH_TIMEOUT_S} s) and whole seconds in which no "
            "request completed."
        ),
        (
            "- vs_template_get, vs_template_patch = usersvc cached_get (patch) req/s ÷ the FastAPI template's "
            "template_get (template_patch) req/s, same wrk scripts and connections."
        ),
        f"- login_ratio = login req/s ÷ (cores ÷ bcrypt verify s) = ÷ {b['verify_rps_all_cores']:.2f}.",
        ("- create: POST req/s ÷ (cores ÷ bcrypt hash s). mix: ÷ the 0.9/0.1 harmonic blend of its two baselines."),
        "- req/s counts successful answers only (wrk's completed requests minus those with status >= 400).",
        (
            "- errors = answers with status >= 400 (counted by wrk: no scenario intends any) plus wrk "
            "socket errors and timeouts, over every scenario and baseline (not the FastAPI template's rows)."
        ),
        "",
        "## Cache",
        "",
        (
            f"hit ratio over the read scenarios (cached_get + list_filtered): {cache['hits']:,} / "
            f"{cache['lookups']:,} = {cache['hit_ratio']:.4f}"
        ),
        "",
        "| kind | hits | misses |",
        "|---|---:|---:|",
    ]
    for kind, counts in sorted(cache["per_kind"].items()):
        md.append(f"| {kind} | {counts.get('hit', 0):,} | {counts.get('miss', 0):,} |")
    busy = rows["list_with_writes"]
    md += ["", "## list_with_writes: the writes beside the reads", "", busy["note"] + ".", ""]
    md += ["| write | per s | done | failed | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for kind, w in busy["background"].items():
        md.append(f"| {kind} | {w['per_s']} | {w['done']} | {w['failed']} | {w['p50_ms']} | {w['p99_ms']} |")
    if busy.get("list_hit_ratio") is not None:
        md += ["", f"List page cache hit ratio during it: {busy['list_hit_ratio']:.4f}."]
    md += open_loop_section(run, table)
    md += [
        "",
        f"## {HIGH_CONNECTIONS} connections",
        "",
        f"wrk -c{HIGH_CONNECTIONS}, timeout {HIGH_TIMEOUT_S} s. Completions per wall-clock second (first "
        "and last partial; a stall is a whole second with none):",
        "",
    ]
    for row in table:
        if "stalled_s" in row:
            md.append(
                f"- {row['scenario']}: errors {row['errors']} {row['wrk_errors']}, stalled {row['stalled_s']} s, "
                f"max latency {row['max_ms']:.0f} ms; per second {row['per_second']}"
            )
    if "template" in run.report:
        t = run.report["template"]
        md += [
            "",
            "## The FastAPI template",
            "",
            f"{t['url']} ({t['serving_processes']} serving processes seen): {t['get']}; {t['patch']}; "
            f"{t['users']} users created through its API. Set-up: docs/scaling.md.",
        ]
        md += [f"- not run: {item}" for item in t.get("not_run", [])]
    md += [
        "",
        "## bcrypt (service hasher, bcrypt_sha256)",
        "",
        (
            f"cost {b['rounds']}: hash {b['hash_s'] * 1000:.0f} ms, verify {b['verify_s'] * 1000:.0f} ms "
            f"(one thread, median); all {run.cores} cores: {b['verify_rps_all_cores']:.2f} verifies/s computed, "
            f"{b['verify_rps_measured_parallel']:.2f}/s measured with {run.cores} threads."
        ),
        "",
        "## Peak RSS (VmHWM)",
        "",
        "| process | MiB |",
        "|---|---:|",
    ]
    for name, mib in run.report.get("peak_rss_mib", {}).items():
        md.append(f"| {name} | {mib} |")
    md += [
        "",
        f"## CPU per scenario (% of one core; total of the machine = {run.cores * 100}%)",
        "",
        "| scenario | edge | workers | rabbitmq | postgres | redis | load gen | baseline | template | other | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        cpu = row["cpu_pct_of_core"]
        baseline_cpu = sum(v for k, v in cpu.items() if k.startswith("baseline"))
        md.append(
            f"| {row['scenario']} | {cpu.get('edge', 0):.0f} | {cpu.get('workers', 0):.0f} | "
            f"{cpu.get('rabbitmq', 0):.0f} | {cpu.get('postgres', 0):.0f} | {cpu.get('redis', 0):.0f} | "
            f"{cpu.get('wrk', cpu.get('openloop', 0)):.0f} | {baseline_cpu:.0f} | {cpu.get('template', 0):.0f} | "
            f"{cpu.get('other', 0):.0f} | {cpu.get('total', 0):.0f} |"
        )
    noisy = [
        f"{row['scenario']} ({row['cpu_pct_of_core'].get('other', 0):.0f}%)"
        for row in table
        if row["cpu_pct_of_core"].get("other", 0) > NOISY_OTHER_PCT
    ]
    if noisy:
        md += [
            "",
            f"**Noisy:** processes outside the bench used more than {NOISY_OTHER_PCT}% of a core during: "
            + ", ".join(noisy)
            + ". Their ratios are less trustworthy; run again on a quieter machine.",
        ]
    md += ["", "## Status codes per scenario", ""]
    for row in table:
        if row["service"] and "open_loop" in row:
            client = {name: stream["errors"] for name, stream in row["open_loop"]["streams"].items()}
            md.append(f"- {row['scenario']}: edge counted {row['edge_statuses']}; open-loop errors {client}")
        elif row["service"]:
            md.append(f"- {row['scenario']}: edge counted {row['edge_statuses']}; wrk errors {row['wrk_errors']}")
    md += [
        "",
        (
            "(When wrk stops, the edge books the requests it abandons, up to its connection count, as 500s "
            "although no client receives them; errors above come from wrk, which counts answers >= 400. "
            "list_with_writes' 200s include the bench's own /metrics polls.)"
        ),
    ]
    if run.managed:
        md += ["", "## Settings changed for the load", ""]
        for name, (value, why) in SERVICE_OVERRIDES.items():
            md.append(f"- `{name}={value}`: {why}.")
        for item in run.args.service_env:
            md.append(f"- `{item}` (--service-env experiment).")
        md.append(
            f"- bench-only `DATABASE_URL=…/{DB_NAME}`, `REDIS_KEY_PREFIX={REDIS_PREFIX}`, "
            f"RabbitMQ vhost `{VHOST}`; everything else at its default."
        )
    md += [
        "",
        "## Data",
        "",
        f"seed: {run.report.get('seed')}; {run.report.get('data')}",
        f"list page: `{LIST_PATH}`",
        "",
        "![latency percentiles](latency.png)",
        "",
    ]
    (run.results_dir / "report.md").write_text("\n".join(md))
    (run.results_dir / "results.json").write_text(
        json.dumps({**run.report, "rows": table, "bench": bench, "bench_line": bench_line}, indent=2, default=str)
    )


def errors_text(errors: dict[str, int]) -> str:
    """ "0", or the total with its kinds: "3 (timeout 2, status 1)"."""
    kinds = ", ".join(f"{kind} {count}" for kind, count in errors.items() if count)
    return f"{sum(errors.values())} ({kinds})" if kinds else "0"


def open_loop_section(run: Run, table: list[dict]) -> list[str]:
    """The open_* rows: what was offered, what came back, and how far the generator kept time."""
    md = [
        "",
        "## Open loop",
        "",
        (
            f"bench/openloop.py: each stream's requests due on a fixed schedule (request i at start + i ÷ "
            "rate), sent at their due time on an idle keep-alive connection of the stream or a new one (at most "
            f"{run.args.open_max_connections} per stream), else queued in the generator; latency runs from the "
            f"due time, so any wait (queue, generator, service) counts. {run.warmup or 1} s warm-up at the same "
            f"rate, then {run.duration} s measured. Rates: {run.args.open_load:g} of the closed-loop req/s of "
            "the row named as capacity. Late = due → handed to the connections (the generator's own delay: when "
            "its p99 is near the latency's, the generator, not the service, is what was measured); send lag = "
            "due → written to a socket (that plus any wait for a free connection)."
        ),
        "",
        "| row | stream | offered /s | answered /s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors "
        "| late p99 ms | send lag p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in table:
        if "open_loop" not in row:
            continue
        for name, stream in row["open_loop"]["streams"].items():
            lat, late, lag, nan = stream["latency"], stream["generator_late"], stream["send_lag"], float("nan")
            cells = [f"{lat.get(key, nan):,.1f}" for key in ("p50_ms", "p90_ms", "p99_ms", "p99.9_ms", "max_ms")]
            md.append(
                f"| {row['scenario']} | {name} | {stream['rate']:,.1f} | {stream['answered_per_s']:,.1f} | "
                + " | ".join(cells)
                + f" | {errors_text(stream['errors'])} | {late.get('p99_ms', nan):.1f} | {lag.get('p99_ms', nan):.1f} |"
            )
    md += [
        "",
        "Offered ÷ what usersvc answered closed-loop under the same load (its row named below): above 1, "
        "the queue grows for the whole run and the percentiles grow with its length.",
        "",
        "| row | offered ÷ closed loop | generator CPU, % of one core | peak connections | peak queued in generator "
        "| timeouts |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        if "open_loop" in row:
            result, same = row["open_loop"], row["same_load"]
            md.append(
                f"| {row['scenario']} | {ratio(row['offered_rps'], same['rps']):.2f} ({same['of']}) | "
                f"{row['cpu_pct_of_core'].get('openloop', 0):.0f} | {result['peak_connections']} | "
                f"{result['peak_waiting']} | {result['timeouts']} |"
            )
    return md


def chart(run: Run, table: list[dict]) -> None:
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
    ax.set_title(
        f"usersvc latency percentiles, wrk -t{run.args.threads} -c{run.args.connections} "
        f"({run.report['mode']}, {run.report['started_at']})",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(run.results_dir / "latency.png", dpi=120)
    plt.close(fig)


def bench_line(bench: dict) -> str:
    template = (
        f"vs_template_get={bench['vs_template_get']:.1f} vs_template_patch={bench['vs_template_patch']:.2f} "
        if "vs_template_get" in bench
        else ""
    )
    return (
        f"BENCH cached_get_ratio={bench['cached_get_ratio']:.2f} write_ratio={bench['write_ratio']:.2f} "
        f"login_ratio={bench['login_ratio']:.2f} hit_ratio={bench['hit_ratio']:.3f} "
        f"list_ratio={bench['list_ratio']:.2f} list_writes_p99_ratio={bench['list_writes_p99_ratio']:.2f} "
        f"cached_get_p99_ratio={bench['cached_get_p99_ratio']:.2f} patch_p99_ms={bench['patch_p99_ms']:.0f} "
        f"patch_p99_ratio={bench['patch_p99_ratio']:.2f} open_patch_p99_ms={bench['open_patch_p99_ms']:.1f} "
        f"open_list_writes_p99_ratio={bench['open_list_writes_p99_ratio']:.2f} "
        f"{template}c256_errors={bench['c256_errors']} c256_stalled_s={bench['c256_stalled_s']} "
        f"errors={bench['errors']}"
    )


def finish(run: Run, rows: dict[str, dict], started: float) -> None:
    """Write the chart, report.md and results.json; print the table and, last, the BENCH line."""
    table, bench = compose(run, rows)
    line = bench_line(bench)
    goals = targets(run, rows, bench)
    run.report["elapsed_s"] = round(time.monotonic() - started, 1)
    chart(run, table)
    write_report(run, table, bench, line, goals)
    log(f"done in {run.report['elapsed_s']}s; report in {run.results_dir / 'report.md'}")
    print(markdown(table))
    print()
    print(goals)
    print()
    print(
        f"cache hit ratio (read scenarios): {bench['hit_ratio']:.4f}; peak RSS MiB: "
        f"{run.report.get('peak_rss_mib')}; report: {run.results_dir / 'report.md'}"
    )
    print(line, flush=True)


def finish_only(run: Run, rounds: list[dict[str, dict]]) -> None:
    """--only: each round's rows (req/s, p50, p99, edge CPU) and each GraphQL row's ratio to its
    REST twin of the same round; only.json holds the rows."""
    lines = ["| round | row | req/s | p50 ms | p99 ms | edge % of a core | vs REST twin |", "|---" * 7 + "|"]
    for number, rows in enumerate(rounds, 1):
        for name, row in rows.items():
            twin = rows.get(TWINS.get(name, ""))
            versus = f"{row['rps'] / twin['rps']:.2f}" if twin else ""
            edge = row["cpu_pct_of_core"].get("edge", 0)
            cells = [number, name, f"{row['rps']:,.0f}", f"{row['p50_ms']:.1f}", f"{row['p99_ms']:.1f}"]
            lines.append("| " + " | ".join(str(cell) for cell in [*cells, f"{edge:.0f}", versus]) + " |")
    (run.results_dir / "only.json").write_text(json.dumps(rounds, indent=2, default=str))
    print("\n".join(lines), flush=True)
