"""The results: the table, the BENCH line, latency.png, report.md and results.json."""

import json
import time

from common import log
from config import DB_NAME, REDIS_PREFIX, VHOST, Run
from scenarios import NOISY_OTHER_PCT
from seed import LIST_PATH
from stack import SERVICE_OVERRIDES


def compose(run: Run, rows: dict[str, dict]) -> tuple[list[dict], dict]:
    """The table (each row beside its baseline and ratio) and the numbers of the BENCH line."""
    b = run.report["bcrypt"]
    sanic_redis = rows["base_sanic_redis"]["rps"]
    rpc_insert = rows["base_rpc_insert"]["rps"]
    mix_base = 1 / (0.9 / sanic_redis + 0.1 / rpc_insert)
    baselines = {
        "cached_get": ("Sanic+Redis GET", sanic_redis),
        "list_filtered": ("Sanic+Redis GET", sanic_redis),
        "patch": ("RPC+insert", rpc_insert),
        "create": ("cores ÷ bcrypt hash", b["hash_rps_all_cores"]),
        "login": ("cores ÷ bcrypt verify", b["verify_rps_all_cores"]),
        "mix_90_10": ("0.9/0.1 Sanic+Redis, RPC+insert", mix_base),
        "base_rpc_insert": ("RPC no-op", rows["base_rpc_noop"]["rps"]),
        "base_rpc_insert_durable": ("RPC+insert", rpc_insert),
    }
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
    errors = sum(row["errors"] for row in rows.values())
    bench = {
        "cached_get_ratio": rows["cached_get"]["rps"] / sanic_redis,
        "write_ratio": rows["patch"]["rps"] / rpc_insert,
        "login_ratio": rows["login"]["rps"] / b["verify_rps_all_cores"],
        "hit_ratio": run.report["cache"]["hit_ratio"],
        "errors": errors,
    }
    return table, bench


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


def write_report(run: Run, table: list[dict], bench: dict, bench_line: str) -> None:
    b, cache = run.report["bcrypt"], run.report["cache"]
    md = [
        f"# usersvc benchmark ({run.report['mode']}, {run.report['started_at']})",
        "",
        f"wrk -t{run.args.threads} -c{run.args.connections}, {run.duration}s per scenario "
        f"({run.bcrypt_duration}s for bcrypt-bound ones), {run.cores} cores, load generator on the same "
        f"machine. usersvc: `usersvc run --workers {run.args.workers}` (edge: 1 Sanic process)."
        if run.managed
        else f"wrk against {run.args.url} (not started by the bench).",
        "",
        markdown(table),
        "",
        f"`{bench_line}`",
        "",
        "## Ratios",
        "",
        "- cached_get_ratio = cached GET req/s ÷ bare Sanic + one Redis GET req/s (both 1 process).",
        "- write_ratio = PATCH req/s ÷ bare RPC + one INSERT in a transaction req/s.",
        f"- login_ratio = login req/s ÷ (cores ÷ bcrypt verify s) = ÷ {b['verify_rps_all_cores']:.2f}.",
        ("- create: POST req/s ÷ (cores ÷ bcrypt hash s). mix: ÷ the 0.9/0.1 harmonic blend of its two baselines."),
        "- req/s counts successful answers only (wrk's completed requests minus those with status >= 400).",
        (
            "- errors = answers with status >= 400 (counted by wrk: no scenario intends any) plus wrk "
            "socket errors and timeouts, over every scenario and baseline."
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
        "| scenario | edge | workers | rabbitmq | postgres | redis | wrk | baseline | other | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        cpu = row["cpu_pct_of_core"]
        baseline_cpu = sum(v for k, v in cpu.items() if k.startswith("baseline"))
        md.append(
            f"| {row['scenario']} | {cpu.get('edge', 0):.0f} | {cpu.get('workers', 0):.0f} | "
            f"{cpu.get('rabbitmq', 0):.0f} | {cpu.get('postgres', 0):.0f} | {cpu.get('redis', 0):.0f} | "
            f"{cpu.get('wrk', 0):.0f} | {baseline_cpu:.0f} | {cpu.get('other', 0):.0f} | "
            f"{cpu.get('total', 0):.0f} |"
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
        if row["service"]:
            md.append(f"- {row['scenario']}: edge counted {row['edge_statuses']}; wrk errors {row['wrk_errors']}")
    md += [
        "",
        (
            "(The edge books the up to 64 requests wrk abandons when it stops as 500s although no "
            "client receives them; errors above come from wrk, which counts answers >= 400.)"
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
    return (
        f"BENCH cached_get_ratio={bench['cached_get_ratio']:.2f} write_ratio={bench['write_ratio']:.2f} "
        f"login_ratio={bench['login_ratio']:.2f} hit_ratio={bench['hit_ratio']:.3f} "
        f"errors={bench['errors']}"
    )


def finish(run: Run, rows: dict[str, dict], started: float) -> None:
    """Write the chart, report.md and results.json; print the table and, last, the BENCH line."""
    table, bench = compose(run, rows)
    line = bench_line(bench)
    run.report["elapsed_s"] = round(time.monotonic() - started, 1)
    chart(run, table)
    write_report(run, table, bench, line)
    log(f"done in {run.report['elapsed_s']}s; report in {run.results_dir / 'report.md'}")
    print(markdown(table))
    print()
    print(
        f"cache hit ratio (read scenarios): {bench['hit_ratio']:.4f}; peak RSS MiB: "
        f"{run.report.get('peak_rss_mib')}; report: {run.results_dir / 'report.md'}"
    )
    print(line, flush=True)
