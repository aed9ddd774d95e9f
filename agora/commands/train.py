"""``agora train``: train a model, log it to MLflow, register it and gate its promotion.

    agora train ranker [--epochs N]   the multi-task home-feed ranker (Feast ranker_v3 → MLflow ``ranker``)
    agora train retrieval [--epochs N]   the two-tower retrieval model (lake → MLflow ``retrieval``)
    agora train suggest               follow suggestions (lake follow graph → MLflow ``follow-suggest``)
"""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    group = subparsers.add_parser("train", help="Train models (logged and registered in MLflow).")
    sub = group.add_subparsers(dest="train_command", required=True)
    ranker = sub.add_parser("ranker", help="Train the home-feed ranker on the lake + Feast features.")
    ranker.add_argument("--epochs", type=int, default=None, help="default: RankerConfig.epochs")
    ranker.set_defaults(handler=_ranker)
    retrieval = sub.add_parser("retrieval", help="Train the two-tower retrieval model on the lake's engagements.")
    retrieval.add_argument("--epochs", type=int, default=None, help="default: TwoTowerConfig.epochs")
    retrieval.set_defaults(handler=_retrieval)
    suggest = sub.add_parser("suggest", help="Train follow suggestions on a time split of the lake's follow graph.")
    suggest.add_argument("--node2vec", action="store_true",
                         help="PyTorch node2vec embeddings instead of spectral ones (slower)")
    suggest.set_defaults(handler=_suggest)


def _ranker(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.ranker.train import train_ranker

    result = train_ranker(get_settings(), epochs=args.epochs)
    print(json.dumps({"model": f"ranker/{result.version}", "alias": result.alias,
                      "val_auc": round(result.metrics["val_auc"], 4),
                      "val_log_loss": round(result.metrics["val_log_loss"], 4),
                      "champion_version": result.champion_version, "champion_val_auc": result.champion_value,
                      "n_train": result.n_train, "n_val": result.n_val}, indent=2))
    return 0


def _suggest(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.suggest.train import suggest_config, train_suggest

    try:
        result = train_suggest(get_settings(), suggest_config(node2vec=args.node2vec))
    except (FileNotFoundError, ValueError) as exc:  # no lake yet, or too few follows over time
        print(f"agora train suggest: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"model": f"follow-suggest/{result.version}", "alias": result.alias,
                      "champion_version": result.champion_version, "champion_val_auc": result.champion_value,
                      **{k: round(v, 4) for k, v in result.metrics.items()}}, indent=2))
    return 0


def _retrieval(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.retrieval.train import train_retrieval

    result = train_retrieval(get_settings(), epochs=args.epochs)
    print(json.dumps({"model": f"retrieval/{result.version}", "alias": result.alias,
                      **{k: round(v, 4) for k, v in result.metrics.items()},
                      "champion_version": result.champion_version, "champion_recall_at_100": result.champion_value,
                      "n_train": result.n_train, "n_val": result.n_val}, indent=2))
    return 0
