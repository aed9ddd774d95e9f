"""``bench/REPORT.md`` and ``bench/results/plots/*.png`` from whatever JSON is in ``bench/results/``.

One section per result file: its machine line (cores, CPU, load average at start and end), then a
table of every latency summary in it (any object with ``p50_ms``), each row with its ratio to the
file's baseline, measured in the same run. The baseline row is the one whose path names it
(``baseline``, ``chronological``, ``sqlite``, ``exact``, ``fallback``, …, see :data:`BASELINE_WORDS`).
Benchmarks with figures of another shape (seconds, recall, distances) get their own table.
Plots: percentile bars per benchmark, FAISS recall vs latency, pipeline throughput vs size,
delivery latency vs followers. ``python -m bench.report`` regenerates it without re-running."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bench.common import RESULTS_DIR

REPORT = RESULTS_DIR.parent / "REPORT.md"
PLOTS = RESULTS_DIR / "plots"
#: Path words that mark the baseline of a benchmark, in order of preference.
BASELINE_WORDS = ("baseline", "chronological", "sqlite", "exact", "fallback", "without", "stopped", "in_process")


def latency_rows(node, path: tuple = ()) -> list[tuple[str, dict]]:
    """Every latency summary (a dict with ``p50_ms``) in the JSON, labelled by its path."""
    if isinstance(node, dict):
        here = [(" / ".join(path), node)] if "p50_ms" in node else []
        return here + [row for key, value in node.items() if key != "machine"
                       for row in latency_rows(value, (*path, str(key)))]
    if isinstance(node, list):
        return [row for i, value in enumerate(node)
                for row in latency_rows(value, (*path, _item_label(value, i)))]
    return []


def _item_label(value, i: int) -> str:
    if isinstance(value, dict):
        for key in ("index", "name", "vectors", "events", "size"):
            if key in value:
                return f"{key}={value[key]}" if key in ("vectors", "events", "size") else str(value[key])
    return str(i)


def baseline_of(rows: list[tuple[str, dict]], scope: str = "") -> dict | None:
    candidates = [(label, row) for label, row in rows if label.startswith(scope)]
    for word in BASELINE_WORDS:
        for label, row in candidates:
            if re.search(rf"(^|[ /_]){word}", label):
                return row
    return None


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _ratio(value, base) -> str:
    return f"{value / base:.2f}×" if base else ""


def machine_line(result: dict) -> str:
    m = result.get("machine", {})
    load = lambda key: "/".join(_fmt(x) for x in m[key]) if m.get(key) else "?"  # noqa: E731
    packages = ", ".join(f"{k} {v}" for k, v in (m.get("packages") or {}).items() if v)
    return (f"*{m.get('measured_at', '?')} · {m.get('cores', '?')} cores ({m.get('cpu_model', '?')}), "
            f"{m.get('memory_gb', '?')} GB · Python {m.get('python', '?')} · commit {m.get('commit', '?')} · "
            f"load average (1/5/15 min) start {load('load_average_start')}, end {load('load_average_end')}"
            f"{' · QUICK sizes' if result.get('quick') else ''}*  \n*{packages}*")


def latency_table(name: str, rows: list[tuple[str, dict]], scoped_by: int = 0) -> list[str]:
    """``scoped_by`` > 0: each row's ratio is to the baseline within its first ``scoped_by`` path parts."""
    lines = ["| measurement | n | p50 ms | p95 ms | p99 ms | rps | p50 vs baseline | p95 vs baseline |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, row in rows:
        scope = " / ".join(label.split(" / ")[:scoped_by]) if scoped_by else ""
        base = baseline_of(rows, scope) or baseline_of(rows)
        mark = " **(baseline)**" if row is base else ""
        lines.append(f"| {label}{mark} | {_fmt(row.get('n'))} | {_fmt(row['p50_ms'])} | {_fmt(row.get('p95_ms'))} | "
                     f"{_fmt(row.get('p99_ms'))} | {_fmt(row.get('throughput_rps'))} | "
                     f"{_ratio(row['p50_ms'], base and base['p50_ms'])} | "
                     f"{_ratio(row.get('p95_ms') or 0, base and base.get('p95_ms'))} |")
    return lines


# -- benchmark-specific tables (figures that are not latency summaries) -------------------------
def faiss_tables(result: dict) -> list[str]:
    lines = ["| vectors | index | recall@100 | p50 ms | p99 ms | build s | p50 speed-up vs exact |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for size in result.get("sizes", []):
        exact = size["exact_flat_ip"]
        lines.append(f"| {size['vectors']:,} | IndexFlatIP (exact) **(baseline)** | 1.00 | {_fmt(exact['p50_ms'])} | "
                     f"{_fmt(exact['p99_ms'])} | | 1.0× |")
        for row in size["ann"]:
            lines.append(f"| {size['vectors']:,} | {row['index']} | {row['recall_at_100']:.3f} | "
                         f"{_fmt(row['p50_ms'])} | {_fmt(row['p99_ms'])} | {_fmt(row['build_seconds'])} | "
                         f"{row['speedup_p50_vs_exact']}× |")
    return lines


def training_tables(result: dict) -> list[str]:
    base = result["baseline"]
    lines = ["| trainer | command | wall s | net s (minus baseline) | vs baseline |", "|---|---|---:|---:|---:|",
             f"| baseline | `{base['command']}` | {_fmt(base['wall_seconds'])} | | 1.0× |"]
    for name, row in result.get("trainers", {}).items():
        if "error" in row:
            lines.append(f"| {name} | `{row['command']}` | failed | | |")
        else:
            lines.append(f"| {name} | `{row['command']}` | {_fmt(row['wall_seconds'])} | {_fmt(row['net_seconds'])} | "
                         f"{row['ratio_vs_baseline']}× |")
    return lines


def pipeline_tables(result: dict) -> list[str]:
    lines = ["| events | stage | seconds | events/s | vs baseline (pyarrow scan) |", "|---:|---|---:|---:|---:|"]
    for run in result.get("runs", []):
        base = run.get("baseline_pyarrow_scan", {})
        for stage, row in run.items():
            if isinstance(row, dict) and "seconds" in row:
                mark = " **(baseline)**" if stage == "baseline_pyarrow_scan" else ""
                lines.append(f"| {run['events']:,} | {stage}{mark} | {_fmt(row['seconds'])} | "
                             f"{_fmt(row.get('events_per_s'))} | {_ratio(row['seconds'], base.get('seconds'))} |")
    return lines


def scalar_tables(result: dict) -> list[str]:
    """Fallback for other shapes: the top-level scalars, and one table per top-level object whose
    values are flat records (e.g. ``{"jpeg_q70": {"p50": 0, "max": 2}, …}``)."""
    lines = []
    rows = [(k, v) for k, v in result.items()
            if isinstance(v, (int, float, str)) and k not in ("benchmark", "description")]
    if rows:
        lines += ["| figure | value |", "|---|---|", *[f"| {k} | {_fmt(v)} |" for k, v in rows], ""]
    for key, value in result.items():
        if key == "machine" or not isinstance(value, dict) or not value:
            continue
        records = {k: v for k, v in value.items() if isinstance(v, dict)
                   and all(isinstance(x, (int, float, str, type(None))) for x in v.values())}
        if len(records) != len(value):
            continue
        columns = list(dict.fromkeys(c for record in records.values() for c in record))
        lines += [f"**{key}**", "", f"| {key} | {' | '.join(columns)} |", "|---" * (len(columns) + 1) + "|",
                  *[f"| {k} | {' | '.join(_fmt(r.get(c)) for c in columns)} |" for k, r in records.items()], ""]
    return lines


def _measured(value, unit: str) -> str:
    return "none finished in a run" if value is None else f"{_fmt(value)}{unit}"


def feed_tables(result: dict) -> list[str]:
    """The targets beside the figures, the cache and candidates, and a cold request's stages."""
    targets, against = result.get("targets", {}), result.get("against_targets", {})
    load, cold = result.get("load", {}), result.get("cold", {})
    cached, cold_feed = load.get("ranked_feed", {}), cold.get("sequential_ranked") or cold.get("ranked_feed", {})
    lines = ["| figure | measured | target / expectation |", "|---|---:|---|",
             f"| ranked p95 under load (cache on) | {_measured(against.get('ranked_p95_under_load_ms'), ' ms')} | "
             f"≤ {targets.get('ranked_p95_under_load_ms')} ms (goal ≤ {targets.get('goal_ranked_p95_under_load_ms')} ms)"
             f" — {'met' if against.get('meets_target') else 'NOT met'} |",
             f"| ranked / chronological p95 under load | {_measured(load.get('ratio_p95_ranked_over_chronological'), '×')} | "
             f"goal ≤ {targets.get('goal_ranked_over_chronological_p95')}× |",
             f"| cache hit rate (ranked pages served from a cached list) | {_fmt(cached.get('cache_hit_rate'))} | "
             f"~0.9 expected ({result.get('pages_per_session')} pages per session) |",
             f"| candidates scored per ranking (cold / load) | {_fmt(cold_feed.get('candidates_scored_mean'))} / "
             f"{_fmt(cached.get('candidates_scored_mean'))} | |",
             f"| ranker service time per /score call (cold) | {_fmt(cold_feed.get('ranker_service_ms_per_call'))} ms"
             f" | |"]
    scaled = result.get("scaled_out_load") or {}
    for name, phase in (("load", load), ("scaled out", scaled)):
        server = (phase.get("ranked") or {}).get("server_page_ms") or {}
        if server:
            cached_pages, misses = server.get("cached", {}), server.get("ranked", {})
            lines.append(f"| {name}, API handler per ranked page (server side, no wrk correction): "
                         f"cached list p50 / p95; miss p50 / p95 (pages) | "
                         f"{_fmt(cached_pages.get('p50_ms'))} / {_fmt(cached_pages.get('p95_ms'))} ms; "
                         f"{_fmt(misses.get('p50_ms'))} / {_fmt(misses.get('p95_ms'))} ms ({misses.get('n', 0)}) | |")
    if scaled.get("ranked"):
        lines += [f"| scaled out ({scaled.get('api_workers')} API workers + Redis): ranked p95 under load | "
                  f"{_measured(against.get('scaled_out_ranked_p95_under_load_ms'), ' ms')} | "
                  f"≤ {targets.get('ranked_p95_under_load_ms')} ms — "
                  f"{'met' if against.get('scaled_out_meets_target') else 'NOT met'} |",
                  f"| scaled out: ranked / chronological p95, cache hit rate | "
                  f"{_measured(scaled.get('ratio_p95_ranked_over_chronological'), '×')}, "
                  f"{_fmt(scaled.get('ranked_feed', {}).get('cache_hit_rate'))} | "
                  f"goal ≤ {targets.get('goal_ranked_over_chronological_p95')}× |"]
    lines.append("")
    stages = cold_feed.get("stage_ms_per_run", {})
    if stages:
        lines += [f"Cold ranked request (one at a time: p50 {_fmt(cold_feed.get('p50_ms'))} ms whole request), "
                  "mean ms per stage (slowest first):", "",
                  "| stage | ms |", "|---|---:|",
                  *[f"| {stage} | {_fmt(ms)} |" for stage, ms in sorted(stages.items(), key=lambda kv: -kv[1])], ""]
    return lines


SPECIFIC = {"faiss": faiss_tables, "training": training_tables, "pipeline": pipeline_tables, "feed": feed_tables}
#: Latency tables whose rows compare within a group (first path part), not across the file.
SCOPED = {"delivery": 1, "faiss": 1, "moderation": 1, "suggest": 1, "hydration": 1, "feed": 1}


# -- plots ----------------------------------------------------------------------------------------
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_percentiles(name: str, rows: list[tuple[str, dict]]) -> Path | None:
    rows = [(label, row) for label, row in rows if "p95_ms" in row][:24]
    if not rows:
        return None
    import numpy as np

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.5))
    y = np.arange(len(rows))
    for offset, key in ((-0.27, "p50_ms"), (0.0, "p95_ms"), (0.27, "p99_ms")):
        ax.barh(y + offset, [row.get(key, 0) for _, row in rows], height=0.26, label=key.replace("_ms", ""))
    ax.set_yticks(y, [label[-60:] for label, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_title(f"{name}: latency percentiles")
    ax.legend()
    return _save(fig, f"{name}_latency.png")


def plot_faiss(result: dict) -> Path | None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for size in result.get("sizes", []):
        for family in ("HNSW", "IVF"):
            rows = [r for r in size["ann"] if r["index"].startswith(family)]
            if rows:
                ax.plot([r["p50_ms"] for r in rows], [r["recall_at_100"] for r in rows], marker="o",
                        label=f"{family}, {size['vectors']:,} vectors")
        ax.scatter([size["exact_flat_ip"]["p50_ms"]], [1.0], marker="*", s=150,
                   label=f"exact IndexFlatIP, {size['vectors']:,}")
    ax.set_xscale("log")
    ax.set_xlabel("p50 latency per query (ms, 1 thread, log)")
    ax.set_ylabel("recall@100")
    ax.set_title("FAISS: recall vs latency")
    ax.legend(fontsize=7)
    return _save(fig, "faiss_recall_vs_latency.png")


def plot_pipeline(result: dict) -> Path | None:
    runs = result.get("runs", [])
    if not runs:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    stages = [s for s, v in runs[0].items() if isinstance(v, dict) and "events_per_s" in v]
    for stage in stages:
        ax.plot([r["events"] for r in runs], [r[stage]["events_per_s"] for r in runs], marker="o", label=stage)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events in the lake")
    ax.set_ylabel("events / s")
    ax.set_title("Spark pipelines: throughput vs size")
    ax.legend()
    return _save(fig, "pipeline_throughput_vs_size.png")


def plot_delivery(result: dict) -> Path | None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for path in ("push", "pull"):
        by_size = result.get(path, {})
        sizes = sorted(by_size, key=int)
        for target, style in (("stream", "-"), ("home", "--")):
            ax.plot([int(s) for s in sizes], [by_size[s][target]["p50_ms"] for s in sizes], style, marker="o",
                    label=f"{path}, {target} p50")
    if "baseline" in result:
        ax.axhline(result["baseline"]["p50_ms"], color="grey", linestyle=":", label="baseline p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("author's followers")
    ax.set_ylabel("post → follower (ms, log)")
    ax.set_title("Delivery latency vs followers")
    ax.legend(fontsize=7)
    return _save(fig, "delivery_latency_vs_followers.png")


def plot_feed(result: dict) -> Path | None:
    """A cold ranked request's stage groups, stacked, beside the p95s of every run."""
    cold = result.get("cold", {})
    groups = (cold.get("sequential_ranked") or cold.get("ranked_feed", {})).get("stage_groups_ms_per_run", {})
    if not groups:
        return None
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    bottom = 0.0
    for group, ms in groups.items():
        left.bar(["cold ranked request"], [ms], bottom=bottom, label=f"{group} {ms:.1f} ms")
        bottom += ms
    left.set_ylabel("mean ms per request (API pipeline stages)")
    left.set_title("Cold path: time per stage")
    left.legend(fontsize=7)
    runs = [(f"{phase} {order}", result[phase][order]["p95_ms"]) for phase in ("cold", "load")
            for order in ("ranked", "chronological") if order in result.get(phase, {})]
    right.bar([label for label, _ in runs], [p95 for _, p95 in runs], color=["C0", "C7", "C0", "C7"][:len(runs)])
    target = result.get("targets", {}).get("ranked_p95_under_load_ms")
    if target:
        right.axhline(target, color="red", linestyle="--", label=f"target {target} ms (ranked, load)")
        right.legend(fontsize=7)
    right.set_ylabel("p95 ms")
    right.set_title("p95: ranked vs chronological")
    right.tick_params(axis="x", labelsize=7)
    return _save(fig, "feed_stages_and_p95.png")


def _save(fig, filename: str) -> Path:
    PLOTS.mkdir(parents=True, exist_ok=True)
    path = PLOTS / filename
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


SPECIFIC_PLOTS = {"faiss": plot_faiss, "pipeline": plot_pipeline, "delivery": plot_delivery, "feed": plot_feed}


def section(path: Path) -> list[str]:
    result = json.loads(path.read_text())
    name = result.get("benchmark", path.stem)
    lines = [f"## {name}", "", machine_line(result), ""]
    if result.get("description"):
        lines += [result["description"], ""]
    if name in SPECIFIC:
        lines += [*SPECIFIC[name](result), ""]
    rows = latency_rows(result)
    if rows and name != "faiss":
        lines += [*latency_table(name, rows, SCOPED.get(name, 0)), ""]
    if not rows and name not in SPECIFIC:
        lines += [*scalar_tables(result), f"All figures: [`results/{path.name}`](results/{path.name}).", ""]
    plots = [plot_percentiles(name, rows) if name != "faiss" else None]
    if name in SPECIFIC_PLOTS:
        plots.append(SPECIFIC_PLOTS[name](result))
    lines += [f"![{p.stem}](results/plots/{p.name})" for p in plots if p is not None]
    return [*lines, ""]


def main() -> Path:
    sections = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        try:
            sections += section(path)
        except Exception as exc:  # noqa: BLE001 - one odd file must not cost the whole report
            sections += [f"## {path.stem}", "", f"Could not render `{path.name}`: {exc!r}", ""]
            print(f"report: {path.name}: {exc!r}", file=sys.stderr)
    header = ["# Agora benchmark report", "",
              "Generated by `bench/report.py` from `bench/results/*.json` (`make bench` runs every benchmark, then "
              "this). Every figure sits next to a baseline measured in the same run on the same machine; the "
              "ratio columns divide by it. The load average is printed per benchmark: on a shared 2-core box a "
              "high one inflates every latency (both sides of a ratio alike, roughly).", ""]
    REPORT.write_text("\n".join(header + sections))
    return REPORT


if __name__ == "__main__":
    print(main())
