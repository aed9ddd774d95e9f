"""Spark pipeline throughput (events/s) on 1M and 10M synthetic lake events → ``bench/results/pipeline.json``.

The lake is generated straight into its layout (``events/date=/hour=/batch-0.parquet``, the
export's schema) with numpy + pyarrow, and cached under ``bench/.cache/`` (gitignored), so the
numbers measure the export-free stages only:

* ``features``: ``pipelines.features.run`` (every feature table recomputed from the whole lake);
* ``trends_full``: ``pipelines.trends.run(rebuild=True)`` (every hour re-aggregated, then scored);
* ``trends_incremental``: one new hour lands, ``pipelines.trends.run`` (what the 10-minute DAG does);
* baseline, same data, same run: a single-threaded pyarrow scan + group-by (events per type
  per hour), i.e. what reading the lake costs before Spark does anything.

Spark runs ``local[2]`` with a 4 GB driver. ``python -m bench.pipeline [--sizes 1000000 …]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from agora.events import LAKE_SCHEMA, EventType
from bench.common import save_result

CACHE = Path(__file__).resolve().parent / ".cache"
SIZES = (1_000_000, 10_000_000)
DAYS = 14
END = datetime(2026, 1, 15, tzinfo=UTC)
MASTER = "local[2]"
#: The event mix of the synthetic world (impressions dominate, as on a real feed).
MIX = {EventType.IMPRESSION: 0.70, EventType.FAVOURITED: 0.10, EventType.CLICKED: 0.07,
       EventType.STATUS_CREATED: 0.05, EventType.REPLIED: 0.02, EventType.REBLOGGED: 0.02,
       EventType.HIDDEN: 0.01, EventType.FOLLOWED: 0.02, EventType.UNFOLLOWED: 0.01}
TAGS = [f"topic{i}" for i in range(200)]
#: Bumped when the generator changes, so a cached lake of an older generator is rebuilt.
LAKE_VERSION = "2"


def generate_lake(events_dir: Path, n: int, seed: int = 7) -> None:
    """``n`` events over :data:`DAYS` days, one file per hour, written once and cached."""
    complete = events_dir.parent / "COMPLETE"
    if complete.exists() and complete.read_text().split() == [str(n), LAKE_VERSION]:
        return
    shutil.rmtree(events_dir.parent, ignore_errors=True)
    rng = np.random.default_rng(seed)
    accounts = max(n // 200, 1_000)
    kinds = np.array([str(k) for k in MIX])
    kind = kinds[rng.choice(len(kinds), size=n, p=np.array(list(MIX.values())) / sum(MIX.values()))]
    start_us = int((END - timedelta(days=DAYS)).timestamp() * 1e6)
    at = np.sort(rng.integers(start_us, int(END.timestamp() * 1e6), size=n))
    actor = rng.integers(1, accounts + 1, size=n)
    # Each status.created event creates the next status id; every other event is about a status
    # that exists by then, most often a recent one (Zipf-like over the newest), by its author.
    created = kind == str(EventType.STATUS_CREATED)
    existing = np.maximum(np.cumsum(created), 1)
    status = np.where(created, existing, existing - rng.zipf(1.3, size=n) % existing)
    creator = np.concatenate([actor[created], [1]])  # (one spare: a lake whose first event is not a creation)
    author = creator[status - 1]
    on_account = np.isin(kind, [str(EventType.FOLLOWED), str(EventType.UNFOLLOWED)])
    payload = np.full(n, None, dtype=object)
    tag_pick = rng.integers(0, len(TAGS), size=int(created.sum()))
    tagged = rng.random(int(created.sum())) < 0.3
    payload[created] = [json.dumps({"tags": [TAGS[t]] if has else [], "visibility": "public", "reply": False})
                        for t, has in zip(tag_pick, tagged)]
    table = pa.table({
        "event_id": pa.array(np.arange(1, n + 1), pa.int64()),
        "event_type": pa.array(kind, pa.string()),
        "occurred_at": pa.array(at, pa.timestamp("us", tz="UTC")),
        "actor_id": pa.array(actor, pa.int64()),
        "status_id": pa.array(np.where(on_account, 0, status), pa.int64(), mask=on_account),
        "author_id": pa.array(np.where(on_account, 0, author), pa.int64(), mask=on_account),
        "target_account_id": pa.array(np.where(on_account, author, 0), pa.int64(), mask=~on_account),
        "payload": pa.array(payload, pa.string()),
    }, schema=LAKE_SCHEMA)
    hours = (at - start_us) // 3_600_000_000
    bounds = np.searchsorted(hours, np.arange(DAYS * 24 + 1))
    for h in range(DAYS * 24):
        write_hour(events_dir, END - timedelta(days=DAYS) + timedelta(hours=h),
                   table.slice(bounds[h], bounds[h + 1] - bounds[h]), "batch-0")
    complete.write_text(f"{n} {LAKE_VERSION}\n")


def write_hour(events_dir: Path, hour: datetime, table: pa.Table, name: str) -> None:
    directory = events_dir / f"date={hour:%Y-%m-%d}" / f"hour={hour:%H}"
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, directory / f"{name}.parquet", coerce_timestamps="us", allow_truncated_timestamps=True)


def baseline_scan(events_dir: Path) -> float:
    """Seconds for pyarrow (one thread) to read the lake and count events per type per hour."""
    pa.set_cpu_count(1)
    started = time.perf_counter()
    table = ds.dataset(events_dir, format="parquet", partitioning="hive").to_table(
        columns=["event_type", "date", "hour"], use_threads=False)
    table.group_by(["date", "hour", "event_type"]).aggregate([([], "count_all")])
    return time.perf_counter() - started


def measure(n: int) -> dict:
    from agora.settings import Settings
    from pipelines import features, trends

    home = CACHE / f"home-{n}"
    generate_lake(home / "lake" / "events", n)
    settings = Settings(home=home, database_url=None)
    settings.ensure_dirs()
    from platform_api.db import create_schema

    create_schema(settings)
    # The box may be shared: the load average says how far the timings are from an idle machine.
    out: dict = {"events": n, "hour_partitions": DAYS * 24, "load_average_at_start": round(os.getloadavg()[0], 1)}
    seconds = baseline_scan(settings.events_dir)
    out["baseline_pyarrow_scan"] = {"seconds": round(seconds, 2), "events_per_s": round(n / seconds)}
    for name, job in (("features", lambda: features.run(settings, master=MASTER)),
                      ("trends_full", lambda: trends.run(settings, master=MASTER, rebuild=True))):
        started = time.perf_counter()
        job()
        seconds = time.perf_counter() - started
        out[name] = {"seconds": round(seconds, 1), "events_per_s": round(n / seconds)}
        print(f"  {n:>11,} events  {name:<20} {seconds:8.1f} s  {n / seconds:12,.0f} events/s", file=sys.stderr)
    # One more hour arrives (a copy of the last hour, shifted by an hour, with new event ids),
    # as between two runs of the trends DAG; removed again afterwards.
    last = END - timedelta(hours=1)
    late = ds.dataset(settings.events_dir / f"date={last:%Y-%m-%d}" / f"hour={last:%H}", format="parquet").to_table()
    late = late.set_column(0, "event_id", pa.array(np.arange(n + 1, n + 1 + late.num_rows), pa.int64())) \
        .set_column(2, "occurred_at", pa.array([t + timedelta(hours=1) for t in late["occurred_at"].to_pylist()],
                                               pa.timestamp("us", tz="UTC")))
    write_hour(settings.events_dir, END, late, "batch-1")
    started = time.perf_counter()
    result = trends.run(settings, master=MASTER)
    seconds = time.perf_counter() - started
    shutil.rmtree(settings.events_dir / f"date={END:%Y-%m-%d}")
    out["trends_incremental"] = {"seconds": round(seconds, 1), "new_events": late.num_rows,
                                 "hours_recomputed": len(result.touched_hours)}
    out["load_average_at_end"] = round(os.getloadavg()[0], 1)
    print(f"  {n:>11,} events  trends_incremental   {seconds:8.1f} s  (1 new hour, {late.num_rows:,} events)",
          file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args(argv or [])
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS", "--driver-memory 4g pyspark-shell")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    runs = []
    for n in args.sizes:
        runs.append(measure(n))
        save_result("pipeline", {"master": MASTER, "days": DAYS, "runs": runs})  # partial results survive
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        growth = {stage: round(large[stage]["seconds"] / small[stage]["seconds"], 2)
                  for stage in ("baseline_pyarrow_scan", "features", "trends_full", "trends_incremental")}
        save_result("pipeline", {"master": MASTER, "days": DAYS, "runs": runs,
                                 "time_growth": {"events": round(large["events"] / small["events"], 1), **growth}})


if __name__ == "__main__":
    main(sys.argv[1:])
