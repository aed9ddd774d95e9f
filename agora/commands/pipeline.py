"""``agora pipeline``: the data jobs between the API and the feature store.

    agora pipeline export [--batch-size N]   outbox → Parquet event lake (exactly once)
    agora pipeline features [--master URL]   event lake → Spark feature tables
    agora pipeline moderation-decisions      moderators' decisions → moderation training CSV
    agora pipeline trends [--master URL] [--rebuild]          trending tags/posts → trending_* tables
    agora pipeline analytics [--master URL] [--rebuild]       per-post hourly engagement + creator summaries
    agora pipeline training-sets [--master URL] [--rebuild]   ranker / follows / moderation sets → lake/training

The last three are incremental: only lake hours that changed since their last run are recomputed
(``--rebuild`` forgets that and recomputes everything; the result is the same).
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

    graph = sub.add_parser("graph", help="Friends-of-friends candidates (Adamic-Adar), top K per account (Spark).")
    graph.add_argument("--master", default=None, help="Spark master URL (default: AGORA_SPARK_MASTER, local[*])")
    graph.add_argument("--top-k", type=int, default=100)
    graph.set_defaults(handler=_graph)

    decisions = sub.add_parser("moderation-decisions",
                               help="Moderators' labelled decisions in the lake → a Davidson-format training CSV.")
    decisions.set_defaults(handler=_moderation_decisions)

    for name, handler, help_text in (
            ("trends", _trends, "Score trending tags and posts from the lake (Spark) into trending_tags/_statuses."),
            ("analytics", _analytics, "Per-post hourly engagement and creator summaries (Spark) for the API."),
            ("training-sets", _training_sets, "Ranker, follow and moderation training sets under lake/training.")):
        job = sub.add_parser(name, help=help_text)
        job.add_argument("--master", default=None, help="Spark master URL (default: AGORA_SPARK_MASTER, local[*])")
        job.add_argument("--rebuild", action="store_true", help="recompute every hour, not only the changed ones")
        job.set_defaults(handler=handler)


def _export(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines.export import export_outbox

    started = time.perf_counter()
    result = export_outbox(get_settings(), batch_size=args.batch_size)
    print(f"exported {result.events} events in {result.batches} batches ({len(result.files)} files) "
          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _moderation_decisions(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines import moderation_decisions

    path, rows = moderation_decisions.run(get_settings())
    print(f"{rows} labelled decisions -> {path}", file=sys.stderr)
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


def _graph(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines import graph

    started = time.perf_counter()
    settings = get_settings()
    rows = graph.run(settings, master=args.master, top_k=args.top_k)
    print(f"friends of friends: {rows} rows in {graph.graph_dir(settings)} ({time.perf_counter() - started:.1f} s)",
          file=sys.stderr)
    return 0


def _trends(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines import trends

    started = time.perf_counter()
    result = trends.run(get_settings(), master=args.master, rebuild=args.rebuild)
    print(f"trends as of {result.as_of}: {len(result.tags)} tags, {len(result.statuses)} statuses "
          f"({len(result.touched_hours)} lake hours recomputed, {time.perf_counter() - started:.1f} s)",
          file=sys.stderr)
    return 0


def _analytics(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines import analytics

    started = time.perf_counter()
    result = analytics.run(get_settings(), master=args.master, rebuild=args.rebuild)
    print(f"analytics: {result.hourly_rows} post-hours rewritten in {len(result.touched_hours)} hours, "
          f"{result.creators} creators ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


def _training_sets(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines import training_sets

    started = time.perf_counter()
    settings = get_settings()
    result = training_sets.run(settings, master=args.master, rebuild=args.rebuild)
    sets = ", ".join(f"{name}: {rows} rows" for name, rows in result.rows.items()) or "nothing new"
    print(f"training sets in {training_sets.training_dir(settings)} ({len(result.touched_days)} days rewritten; "
          f"{sets}; {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0
