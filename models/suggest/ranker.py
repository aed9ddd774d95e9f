"""The learned link ranker, supervised by the train graph alone.

Training (``fit``): hide a further fraction of the *train* edges with the node2vec protocol
(residual graph kept connected) -- the hidden edges are positives, as many sampled
non-edges of the train graph are negatives -- compute the pair features on that reduced
graph, and fit a gradient-boosted classifier. A small fraction (20%) keeps the reduced
graph close to the train graph, so features measured on it look like the features the
test pairs get on the full train graph; several such splits are stacked when one gives
too few positives. Scoring (``score``): the same features computed on the full train graph.

The classifier is sklearn's ``HistGradientBoostingClassifier`` with monotone-increasing
constraints on the similarity features (more common neighbours / paths / embedding
similarity never lowers the score), which keeps it sane when test features are a bit
larger than the training ones (the train graph is denser than the reduced graph).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from models.suggest.graph import adamic_adar, symmetric_adjacency, upper_edges
from models.suggest.pair_features import FeatureConfig, PairFeaturizer
from models.suggest.split import node2vec_split

log = logging.getLogger(__name__)

# Features along which the score may only increase.
MONOTONE_INCREASING = frozenset({
    "cn", "jaccard", "adamic_adar", "resource_allocation", "salton", "hub_promoted",
    "log_paths3", "paths3_norm", "ra3", "log_paths4", "ra4", "cos2",
    "spec_dot", "spec_cos", "n2v_dot", "n2v_cos", "same_community",
})


@dataclass(frozen=True)
class RankerConfig:
    inner_fraction: float = 0.2          # share of train edges hidden to make positives
    inner_max_positives: int = 50_000    # cap per split (big graphs: a smaller fraction)
    min_train_positives: int = 20_000    # stack splits until this many positives ...
    max_repeats: int = 3                 # ... but at most this many splits
    max_iter: int = 500
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 100
    monotonic: bool = True
    features: FeatureConfig = field(default_factory=FeatureConfig)


class LinkRanker:
    """``fit(adj)`` on the train graph, then ``score(u, v)`` for any pairs of its nodes."""

    def __init__(self, config: RankerConfig = RankerConfig(), seed: int = 0):
        self.config = config
        self.seed = seed
        self.model = None
        self.featurizer: PairFeaturizer | None = None
        self.feature_names: list[str] = []
        self.info: dict = {}

    # ------------------------------------------------------------------ training
    def _training_set(self, adj: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, int]:
        cfg = self.config
        edges = upper_edges(adj)
        n, m = adj.shape[0], len(edges)
        hide = min(int(round(cfg.inner_fraction * m)), cfg.inner_max_positives)
        if hide < 1:
            return np.zeros((0, 0)), np.zeros(0, np.int8), 0
        repeats = int(min(cfg.max_repeats, max(1, math.ceil(cfg.min_train_positives / hide))))
        xs, ys = [], []
        for r in range(repeats):
            t = time.perf_counter()
            split = node2vec_split(edges, n, hide / m, seed=self.seed * 1009 + 17 * r + 1, protocol="sequential")
            if len(split.pos_pairs) == 0:      # a forest: nothing can be hidden
                break
            pairs, labels = split.pairs_and_labels()
            reduced = PairFeaturizer(cfg.features, seed=self.seed + r + 1).fit(
                _adjacency(split.train_edges, n))
            x, self.feature_names = reduced.transform(pairs[:, 0], pairs[:, 1])
            xs.append(x)
            ys.append(labels)
            log.info("training split %d/%d: %d hidden edges + %d non-edges (%.1fs)", r + 1, repeats,
                     len(split.pos_pairs), len(split.neg_pairs), time.perf_counter() - t)
        if not xs:
            return np.zeros((0, 0)), np.zeros(0, np.int8), 0
        return np.vstack(xs), np.concatenate(ys), len(xs)

    def fit(self, adj: sp.csr_matrix) -> "LinkRanker":
        from sklearn.ensemble import HistGradientBoostingClassifier

        cfg = self.config
        adj = adj.tocsr()
        t0 = time.perf_counter()
        x, y, repeats = self._training_set(adj)
        n_pos = int(y.sum())
        self.info = {"training_splits": repeats, "training_pairs": int(len(y)), "training_positives": n_pos}
        if n_pos < 10 or n_pos == len(y):
            log.warning("only %d training positives: falling back to Adamic-Adar", n_pos)
            self.model = None
            self.info["ranker"] = "adamic_adar (fallback: too few training positives)"
        else:
            min_leaf = int(min(cfg.min_samples_leaf, max(5, len(y) // 50)))
            mono = [1 if name in MONOTONE_INCREASING else 0 for name in self.feature_names] if cfg.monotonic else None
            self.model = HistGradientBoostingClassifier(
                max_iter=cfg.max_iter, learning_rate=cfg.learning_rate, max_leaf_nodes=cfg.max_leaf_nodes,
                min_samples_leaf=min_leaf, monotonic_cst=mono, early_stopping=len(y) >= 200,
                random_state=self.seed,
            )
            t = time.perf_counter()
            self.model.fit(x, y)
            log.info("ranker: %d pairs x %d features, %d boosting rounds (%.1fs)", len(y), x.shape[1],
                     self.model.n_iter_, time.perf_counter() - t)
            self.info["ranker"] = "HistGradientBoostingClassifier"
            self.info["boosting_rounds"] = int(self.model.n_iter_)
        self.adj = adj
        self.featurizer = PairFeaturizer(cfg.features, seed=self.seed).fit(adj) if self.model is not None else None
        self.info["fit_seconds"] = round(time.perf_counter() - t0, 2)
        return self

    # ------------------------------------------------------------------ scoring
    def score(self, u, v) -> np.ndarray:
        """Probability-like score (higher = more likely an edge) for every pair."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if self.model is None:
            n = int(max(self.adj.shape[0], (max(u.max(), v.max()) + 1) if u.size else 0))
            return adamic_adar(_resize(self.adj, n), u, v)
        x, names = self.featurizer.transform(u, v)
        assert names == self.feature_names
        return self.model.predict_proba(x)[:, 1]


def _adjacency(edges: np.ndarray, n: int) -> sp.csr_matrix:
    return symmetric_adjacency(edges[:, 0], edges[:, 1], n)


def _resize(adj: sp.csr_matrix, n: int) -> sp.csr_matrix:
    if n <= adj.shape[0]:
        return adj
    indptr = np.concatenate([adj.indptr, np.full(n - adj.shape[0], adj.indptr[-1], dtype=adj.indptr.dtype)])
    return sp.csr_matrix((adj.data, adj.indices, indptr), shape=(n, n))
