"""``agora suggest evaluate`` / ``benchmark``: the learned ranker against the four classic
heuristics, on the same pairs, AUC and average precision.

* :func:`evaluate_files` -- a train edge list + labelled test pairs (the ranker sees the
  train graph only; test labels are used for scoring and nothing else).
* :func:`benchmark` -- reproduce the node2vec protocol on one edge list (hide half the
  edges keeping the residual graph connected, as many sampled non-edges), then evaluate.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from models.suggest.graph import Graph, heuristic_scores, read_labelled_pairs
from models.suggest.ranker import LinkRanker, RankerConfig
from models.suggest.split import node2vec_split

log = logging.getLogger(__name__)

BASELINES = ("common_neighbors", "jaccard", "adamic_adar", "preferential_attachment")


def _metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {"auc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores))}


def evaluate_pairs(graph: Graph, u: np.ndarray, v: np.ndarray, labels: np.ndarray, seed: int = 0,
                   config: RankerConfig = RankerConfig()) -> dict:
    """Fit the ranker on ``graph`` (the train graph) and score the labelled pairs; the
    heuristics are computed on the same graph for the same pairs."""
    labels = np.asarray(labels).astype(np.int8)
    if labels.size == 0 or labels.min() == labels.max():
        raise ValueError("the test pairs need both labels (1 = hidden edge, 0 = non-edge)")
    t0 = time.perf_counter()
    adj = graph.adj
    already = np.asarray(adj[u, v]).ravel() != 0
    if already.any():
        log.warning("%d test pairs are edges of the train graph", int(already.sum()))
    isolated = (graph.degrees[u] == 0) | (graph.degrees[v] == 0)

    baselines = heuristic_scores(adj, u, v)
    result_baselines = {name: _metrics(labels, baselines[name]) for name in BASELINES}
    t_base = time.perf_counter() - t0

    ranker = LinkRanker(config, seed=seed).fit(adj)
    scores = ranker.score(u, v)
    ours = _metrics(labels, scores)

    best = max(BASELINES, key=lambda name: result_baselines[name]["auc"])
    best_auc = result_baselines[best]["auc"]
    best_ap = max(b["average_precision"] for b in result_baselines.values())
    return {
        "auc": ours["auc"],
        "average_precision": ours["average_precision"],
        "baselines": result_baselines,
        "best_baseline": best,
        # 1 - (1 - ours) / (1 - best): 0.5 means the best heuristic's error was halved.
        "auc_error_reduction": _reduction(ours["auc"], best_auc),
        "ap_error_reduction": _reduction(ours["average_precision"], best_ap),
        "n_pairs": int(labels.size),
        "n_positive": int(labels.sum()),
        "n_negative": int(labels.size - labels.sum()),
        "n_pairs_with_isolated_node": int(isolated.sum()),
        "n_pairs_already_edges": int(already.sum()),
        "train_nodes": int((graph.degrees > 0).sum()),
        "train_edges": graph.n_edges,
        "seed": seed,
        "model": {**ranker.info,
                  "features": ranker.feature_names},
        "baseline_seconds": round(t_base, 2),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _reduction(ours: float, best: float) -> float | None:
    if best >= 1.0:
        return None
    return round(1.0 - (1.0 - ours) / (1.0 - best), 4)


def evaluate_files(train_edges: str | Path, test_pairs: str | Path, seed: int = 0,
                   config: RankerConfig = RankerConfig()) -> dict:
    t0 = time.perf_counter()
    graph = Graph.from_edge_file(train_edges)
    us, vs, labels = read_labelled_pairs(test_pairs)
    n_known = graph.n_nodes
    u = graph.indices_for(us)
    v = graph.indices_for(vs)
    if graph.n_nodes > n_known:
        log.info("%d test nodes are absent from the train graph (scored as isolated)", graph.n_nodes - n_known)
    log.info("train graph: %d nodes, %d edges; %d test pairs (%.1fs to load)", n_known, graph.n_edges,
             labels.size, time.perf_counter() - t0)
    result = evaluate_pairs(graph, u, v, labels, seed=seed, config=config)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def benchmark(edges: str | Path, seed: int = 0, fraction: float = 0.5, protocol: str = "sequential",
              config: RankerConfig = RankerConfig(), write_split: str | Path | None = None) -> dict:
    """The node2vec protocol on one edge list, then :func:`evaluate_pairs` on that split."""
    t0 = time.perf_counter()
    full = Graph.from_edge_file(edges)
    split = node2vec_split(full.edges(), full.n_nodes, fraction=fraction, seed=seed, protocol=protocol)
    pairs, labels = split.pairs_and_labels()
    train = full.with_edges(split.train_edges)
    t_split = time.perf_counter() - t0
    log.info("%s split of %d edges: %d kept, %d hidden, %d non-edges (%.1fs)", protocol, full.n_edges,
             len(split.train_edges), len(split.pos_pairs), len(split.neg_pairs), t_split)
    if write_split is not None:
        _write_split(Path(write_split), full, split.train_edges, pairs, labels)
    # Shuffle so that nothing downstream can lean on positives-first order.
    order = np.random.default_rng(seed).permutation(len(labels))
    pairs, labels = pairs[order], labels[order]
    result = evaluate_pairs(train, pairs[:, 0], pairs[:, 1], labels, seed=seed, config=config)
    result["split"] = {
        "protocol": protocol,
        "fraction": fraction,
        "seed": seed,
        "nodes": int((full.degrees > 0).sum()),
        "edges": full.n_edges,
        "train_edges": int(len(split.train_edges)),
        "hidden_edges": int(len(split.pos_pairs)),
        "negative_pairs": int(len(split.neg_pairs)),
        "seconds": round(t_split, 2),
    }
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def _write_split(directory: Path, graph: Graph, train_edges: np.ndarray, pairs: np.ndarray,
                 labels: np.ndarray) -> None:
    """``train.txt`` (``u v``) and ``test.txt`` (``u v label``) with the original node labels,
    the input format of ``agora suggest evaluate``."""
    directory.mkdir(parents=True, exist_ok=True)
    names = graph.labels
    with open(directory / "train.txt", "w", encoding="utf-8") as out:
        out.write("# residual graph of the node2vec split\n")
        out.writelines(f"{names[a]} {names[b]}\n" for a, b in train_edges)
    with open(directory / "test.txt", "w", encoding="utf-8") as out:
        out.write("# u v label (1 = hidden edge, 0 = sampled non-edge)\n")
        out.writelines(f"{names[a]} {names[b]} {int(y)}\n" for (a, b), y in zip(pairs, labels))
    log.info("split written to %s", directory)
