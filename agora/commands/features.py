"""``agora features``: the Feast repo in ``features/`` against ``$AGORA_HOME``.

    agora features apply                 register entities, views and services (feast apply)
    agora features materialize [--full]  load new snapshot rows into the online store
                                         (materialize-incremental; --full: each view's whole TTL)
    agora features push-counters         push post counters grown since the last push (real time)
"""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers) -> None:
    group = subparsers.add_parser("features", help="Feast: apply the repo, materialize to the online store.")
    sub = group.add_subparsers(dest="features_command", required=True)
    sub.add_parser("apply", help="feast apply (needs the feature tables: agora pipeline features)") \
        .set_defaults(handler=_apply)
    materialize = sub.add_parser("materialize", help="feast materialize-incremental up to now")
    materialize.add_argument("--full", action="store_true",
                             help="reload every view's TTL window (after adding features to a view)")
    materialize.set_defaults(handler=_materialize)
    sub.add_parser("push-counters", help="push the post counters of newly exported events to the online store") \
        .set_defaults(handler=_push_counters)


def _apply(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from features import store

    started = time.perf_counter()
    store.apply(get_settings())
    print(f"feast apply: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _materialize(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from features import store

    started = time.perf_counter()
    store.materialize(get_settings(), full=args.full)
    print(f"feast materialize{'' if args.full else '-incremental'}: {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 0


def _push_counters(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines.push_counters import push_counters

    started = time.perf_counter()
    pushed = push_counters(get_settings())
    print(f"pushed counters of {pushed} statuses in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
