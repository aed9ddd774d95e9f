"""``agora train``: train a model, log it to MLflow, register it and gate its promotion.

    agora train ranker [--epochs N]   the home-feed ranker (Feast ranker_v1 → MLflow ``ranker``)
"""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    group = subparsers.add_parser("train", help="Train models (logged and registered in MLflow).")
    sub = group.add_subparsers(dest="train_command", required=True)
    ranker = sub.add_parser("ranker", help="Train the home-feed ranker on the lake + Feast features.")
    ranker.add_argument("--epochs", type=int, default=None, help="default: RankerConfig.epochs")
    ranker.set_defaults(handler=_ranker)


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
