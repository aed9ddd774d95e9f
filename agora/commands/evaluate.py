"""``agora evaluate ranker``: offline evaluation against the synthetic world's ground truth.
``agora evaluate suggest``: recall@k of follow suggestions on a time split of the lake's follows."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help="offline evaluation of trained models")
    sub = parser.add_subparsers(dest="evaluate_command", required=True)
    ranker = sub.add_parser("ranker", help="NDCG@k of model vs chronological vs popularity, AUC per head")
    ranker.add_argument("--k", type=int, default=20)
    ranker.add_argument("--viewers", type=int,
                        help="held-out viewers whose feed request (candidate pool) is ranked (default 200)")
    ranker.add_argument("--json", action="store_true", help="print one JSON object")
    ranker.set_defaults(handler=evaluate_ranker)
    suggest = sub.add_parser("suggest", help="recall@k of the suggestion path vs friends of friends, time split")
    suggest.add_argument("--json", action="store_true", help="print one JSON object")
    suggest.set_defaults(handler=evaluate_suggest)


def evaluate_ranker(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.ranker.offline_eval import evaluate_ranker as run

    result = run(get_settings(), k=args.k, viewers=args.viewers)
    if args.json:
        print(json.dumps(result))
    else:
        for protocol in (f"ndcg@{args.k}", f"ndcg@{args.k}_shown"):
            ndcg = result[protocol]
            print(f"{result['model']} {protocol}: model {ndcg['model']}, chronological {ndcg['chronological']}, "
                  f"popularity {ndcg['popularity']}")
        print(f"AUC(like) {result['auc']['like']}")
    return 0


def evaluate_suggest(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.suggest.train import time_split

    try:
        metrics = time_split(get_settings())[-1]
    except (FileNotFoundError, ValueError) as exc:  # no lake yet, or too few follows over time
        print(f"agora evaluate suggest: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(metrics))
    else:
        for k in (10, 40):
            print(f"recall@{k}: model {metrics[f'recall_at_{k}']:.4f}, "
                  f"friends of friends {metrics[f'baseline_recall_at_{k}']:.4f}")
    return 0
