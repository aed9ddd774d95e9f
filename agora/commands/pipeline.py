"""``agora pipeline``: the data jobs between the API and the feature store.

    agora pipeline export [--batch-size N]   outbox → Parquet event lake (exactly once)
    agora pipeline features [--master URL]   event lake → Spark feature tables
"""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers) -> None:
    group = subparsers.add_parser("pipeline", help="Export events to the lake and compute feature tables.")
    sub = group.add_subparsers(dest="pipeline_command", required=True)

    export = sub.add_parser("export", help="Drain the outbox into $AGORA_HOME/lake/events (exactly once).")
    export.add_argument("--batch-size", type=int, default=50_000)
    export.set_defaults(handler=_export)

    features = sub.add_parser("features", help="Recompute the daily feature tables from the lake (Spark).")
    features.add_argument("--master", default=None, help="Spark master URL (default: AGORA_SPARK_MASTER, local[*])")
    features.set_defaults(handler=_features)


def _export(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines.export import export_outbox

    started = time.perf_counter()
    result = export_outbox(get_settings(), batch_size=args.batch_size)
    print(f"exported {result.events} events in {result.batches} batches ({len(result.files)} files) "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _features(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines import features

    started = time.perf_counter()
    settings = get_settings()
    for table, rows in features.run(settings, master=args.master).items():
        print(f"{table}: {rows} rows", file=sys.stderr)
    print(f"feature tables in {settings.feature_tables_dir} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0
