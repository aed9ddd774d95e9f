"""``agora suggest``: follow suggestions (link prediction).

    agora suggest evaluate --train-edges train.txt --test-pairs test.txt --json
    agora suggest benchmark --edges facebook_combined.txt --json --seed 0

Both print one JSON object on stdout (``--json``); logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager


def register(subparsers) -> None:
    parser = subparsers.add_parser("suggest", help="follow suggestions: link prediction")
    sub = parser.add_subparsers(dest="suggest_command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.add_argument("--seed", type=int, default=0, help="seed for every random choice (default 0)")
        p.add_argument("--threads", type=int, default=2, help="CPU threads for torch / OpenMP (default 2)")
        p.add_argument("--node2vec", action="store_true",
                       help="add node2vec (PyTorch skip-gram) similarity features (slower; no gain measured)")
        p.add_argument("--log-mlflow", action="store_true", help="log params and metrics to MLflow")
        p.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")

    ev = sub.add_parser("evaluate", help="train on a graph, score labelled held-out pairs, compare with heuristics")
    ev.add_argument("--train-edges", required=True, help="train graph: one undirected 'u v' edge per line")
    ev.add_argument("--test-pairs", required=True, help="'u v label' per line (1 = hidden edge, 0 = non-edge)")
    common(ev)
    ev.set_defaults(handler=evaluate_cmd)

    bench = sub.add_parser("benchmark", help="node2vec protocol on one edge list, then evaluate")
    bench.add_argument("--edges", required=True, help="the whole graph: one undirected 'u v' edge per line")
    bench.add_argument("--fraction", type=float, default=0.5, help="share of edges hidden (default 0.5)")
    bench.add_argument("--protocol", default="sequential", choices=("sequential", "random-tree", "fixed-tree"),
                       help="how the residual graph is kept connected (see models/suggest/split.py)")
    bench.add_argument("--write-split", metavar="DIR", help="also write DIR/train.txt and DIR/test.txt")
    common(bench)
    bench.set_defaults(handler=benchmark_cmd)


@contextmanager
def _runtime(args):
    """Logging on stderr, seeded torch, and bounded CPU threads for the command's duration
    (restored afterwards, so an in-process caller such as pytest is left as it was)."""
    import logging

    threads = max(1, args.threads)
    if "torch" not in sys.modules and "sklearn" not in sys.modules:
        # A fresh CLI process: before the OpenMP runtimes load, ask for threads that sleep
        # instead of spinning -- the cores are shared, and spinning made boosting 10x slower.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import sklearn.ensemble  # noqa: F401  (loads its OpenMP runtime, so the limit below reaches it)
    import torch
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    try:
        with threadpool_limits(threads):
            yield
    finally:
        torch.set_num_threads(previous)


def _config(args):
    from models.suggest.pair_features import FeatureConfig
    from models.suggest.ranker import RankerConfig

    return RankerConfig(features=FeatureConfig(node2vec=args.node2vec))


def _emit(args, result: dict, params: dict) -> int:
    if args.log_mlflow:
        _log_mlflow(result, params)
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{'method':<26}{'AUC':>9}{'AP':>9}")
        print(f"{'agora (learned ranker)':<26}{result['auc']:>9.4f}{result['average_precision']:>9.4f}")
        for name, m in result["baselines"].items():
            print(f"{name:<26}{m['auc']:>9.4f}{m['average_precision']:>9.4f}")
        print(f"{result['n_pairs']} pairs, {result['seconds']:.1f}s")
    sys.stdout.flush()
    return 0


def _log_mlflow(result: dict, params: dict) -> None:
    from models.registry import configure_mlflow

    mlflow = configure_mlflow("suggest-link-prediction")
    with mlflow.start_run(run_name=f"suggest-{params.get('command')}"):
        mlflow.log_params(params)
        mlflow.log_metrics({"auc": result["auc"], "average_precision": result["average_precision"]})
        for name, m in result["baselines"].items():
            mlflow.log_metrics({f"{name}_auc": m["auc"], f"{name}_average_precision": m["average_precision"]})
        mlflow.log_dict(result, "result.json")


def evaluate_cmd(args) -> int:
    with _runtime(args):
        from models.suggest.evaluate import evaluate_files

        result = evaluate_files(args.train_edges, args.test_pairs, seed=args.seed, config=_config(args))
    return _emit(args, result, {"command": "evaluate", "train_edges": args.train_edges,
                                "test_pairs": args.test_pairs, "seed": args.seed, "node2vec": args.node2vec})


def benchmark_cmd(args) -> int:
    with _runtime(args):
        from models.suggest.evaluate import benchmark

        result = benchmark(args.edges, seed=args.seed, fraction=args.fraction, protocol=args.protocol,
                           config=_config(args), write_split=args.write_split)
    return _emit(args, result, {"command": "benchmark", "edges": args.edges, "seed": args.seed,
                                "fraction": args.fraction, "protocol": args.protocol, "node2vec": args.node2vec})
