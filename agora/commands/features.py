"""``agora features``: the Feast repo in ``features/`` against ``$AGORA_HOME``.

    agora features apply                 register entities, views and services (feast apply)
    agora features materialize [--full]  load new snapshot rows into the online store
                                         (materialize-incremental; --full: each view's whole TTL)
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
