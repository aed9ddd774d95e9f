"""``agora evaluate ranker``: offline evaluation against the synthetic world's ground truth."""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help="offline evaluation of trained models")
    sub = parser.add_subparsers(dest="evaluate_command", required=True)
    ranker = sub.add_parser("ranker", help="NDCG@k of model vs chronological vs popularity, AUC per head")
    ranker.add_argument("--k", type=int, default=20)
    ranker.add_argument("--json", action="store_true", help="print one JSON object")
    ranker.set_defaults(handler=evaluate_ranker)


def evaluate_ranker(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.ranker.offline_eval import evaluate_ranker as run

    result = run(get_settings(), k=args.k)
    if args.json:
        print(json.dumps(result))
    else:
        ndcg = result[f"ndcg@{args.k}"]
        print(f"{result['model']}: NDCG@{args.k} model {ndcg['model']}, chronological {ndcg['chronological']}, "
              f"popularity {ndcg['popularity']}; AUC(like) {result['auc']['like']}")
    return 0
