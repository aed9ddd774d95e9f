"""The pair feature matrix the ranker consumes, computed on one graph.

:class:`PairFeaturizer` is fitted on a graph (it learns the node embeddings and the
communities of that graph) and then turns arrays of node pairs into a dense float matrix.
Every feature is symmetric in ``(u, v)`` and is 0 / neutral for isolated nodes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from models.suggest.embeddings import SkipGramConfig, WalkConfig, node2vec_embeddings, spectral_embeddings
from models.suggest.graph import jaccard_from_counts, neighbour_overlap, path_counts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureConfig:
    """Which pair features to compute. The defaults are what the ego-Facebook benchmark
    (docs/models-suggestions.md) selected: the extras below measured no gain there."""

    paths: bool = True               # 3-path counts (A^3 and its resource-allocation form)
    paths4: bool = True              # 4-walk counts, ra4, cosine of the 2-hop neighbourhoods
    spectral_dim: int = 64           # normalised-adjacency eigenvectors; 0 disables
    node2vec: bool = False           # skip-gram over node2vec walks (PyTorch): no gain, slow on 2 cores
    communities: bool = False        # Louvain same-community flags (networkx): no gain
    community_resolutions: tuple[float, ...] = (1.0,)
    walk: WalkConfig = field(default_factory=WalkConfig)
    skipgram: SkipGramConfig = field(default_factory=SkipGramConfig)


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    denom = na * nb
    dot = np.einsum("ij,ij->i", a, b)
    return np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0)


def louvain_labels(adj: sp.csr_matrix, seed: int = 0, resolution: float = 1.0) -> np.ndarray:
    """Louvain community of every node (isolated nodes get their own singleton label)."""
    import networkx as nx

    n = adj.shape[0]
    upper = sp.triu(adj, k=1).tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(upper.row.tolist(), upper.col.tolist()))
    labels = np.empty(n, dtype=np.int64)
    for c, members in enumerate(nx.community.louvain_communities(graph, seed=seed, resolution=resolution)):
        labels[list(members)] = c
    return labels


class PairFeaturizer:
    """Fit on a graph (embeddings, communities), then featurise pairs of that graph."""

    def __init__(self, config: FeatureConfig = FeatureConfig(), seed: int = 0):
        self.config = config
        self.seed = seed
        self.adj: sp.csr_matrix | None = None

    def fit(self, adj: sp.csr_matrix) -> "PairFeaturizer":
        cfg = self.config
        self.adj = adj.tocsr()
        self.deg = np.diff(self.adj.indptr).astype(np.float64)
        timings = {}
        t = time.perf_counter()
        self.n2v = None
        if cfg.node2vec:
            self.n2v = node2vec_embeddings(self.adj, cfg.walk, cfg.skipgram, seed=self.seed)
            timings["node2vec"] = time.perf_counter() - t
        t = time.perf_counter()
        self.spectral = None
        if cfg.spectral_dim:
            self.spectral = spectral_embeddings(self.adj, cfg.spectral_dim, seed=self.seed)
            timings["spectral"] = time.perf_counter() - t
        t = time.perf_counter()
        self.communities = []
        if cfg.communities:
            self.communities = [louvain_labels(self.adj, seed=self.seed, resolution=r)
                                for r in cfg.community_resolutions]
            timings["louvain"] = time.perf_counter() - t
        log.info("featurizer fitted on %d nodes / %d edges (%s)", self.adj.shape[0], self.adj.nnz // 2,
                 ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()) or "no embeddings")
        return self

    def _extend(self, n: int) -> None:
        """Make room for node indices the fitted graph has not seen (isolated nodes)."""
        old = self.adj.shape[0]
        if n <= old:
            return
        extra = n - old
        indptr = np.concatenate([self.adj.indptr, np.full(extra, self.adj.indptr[-1], dtype=self.adj.indptr.dtype)])
        self.adj = sp.csr_matrix((self.adj.data, self.adj.indices, indptr), shape=(n, n))
        self.deg = np.concatenate([self.deg, np.zeros(extra)])
        if self.n2v is not None:
            self.n2v = np.vstack([self.n2v, np.zeros((extra, self.n2v.shape[1]), self.n2v.dtype)])
        if self.spectral is not None:
            self.spectral = np.vstack([self.spectral, np.zeros((extra, self.spectral.shape[1]))])
        self.communities = [np.concatenate([c, (c.max() + 1 if c.size else 0) + np.arange(extra)])
                            for c in self.communities]

    def transform(self, u, v) -> tuple[np.ndarray, list[str]]:
        if self.adj is None:
            raise RuntimeError("fit() first")
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if u.size:
            self._extend(int(max(u.max(), v.max())) + 1)
        cfg = self.config
        du, dv = self.deg[u], self.deg[v]
        cols: dict[str, np.ndarray] = {}
        cols["deg_min"] = np.log1p(np.minimum(du, dv))
        cols["deg_max"] = np.log1p(np.maximum(du, dv))
        cols["log_pa"] = np.log1p(du * dv)
        overlap = neighbour_overlap(self.adj, u, v)
        cn = overlap["common_neighbors"]
        cols["cn"] = cn
        cols["jaccard"] = jaccard_from_counts(cn, du, dv)
        cols["adamic_adar"] = overlap["adamic_adar"]
        cols["resource_allocation"] = overlap["resource_allocation"]
        sq = np.sqrt(du * dv)
        cols["salton"] = np.divide(cn, sq, out=np.zeros_like(cn), where=sq > 0)
        lo = np.minimum(du, dv)
        cols["hub_promoted"] = np.divide(cn, lo, out=np.zeros_like(cn), where=lo > 0)
        if cfg.paths or cfg.paths4:
            paths = path_counts(self.adj, u, v, lengths=(3, 4) if cfg.paths4 else (3,))
            cols["log_paths3"] = np.log1p(paths["paths3"])
            cols["paths3_norm"] = np.divide(paths["paths3"], du * dv, out=np.zeros_like(cn), where=du * dv > 0)
            cols["ra3"] = paths["ra3"]
            if "paths4" in paths:
                cols["log_paths4"] = np.log1p(paths["paths4"])
                cols["ra4"] = paths["ra4"]
                cols["cos2"] = paths["cos2"]
        if self.n2v is not None:
            a, b = self.n2v[u].astype(np.float64), self.n2v[v].astype(np.float64)
            cols["n2v_dot"] = np.einsum("ij,ij->i", a, b)
            cols["n2v_cos"] = _cosine(a, b)
        if self.spectral is not None:
            a, b = self.spectral[u], self.spectral[v]
            cols["spec_dot"] = np.einsum("ij,ij->i", a, b)
            cols["spec_cos"] = _cosine(a, b)
        isolated = (du == 0) | (dv == 0)
        for res, labels in zip(self.config.community_resolutions, self.communities):
            size = np.bincount(labels).astype(np.float64)
            same = (labels[u] == labels[v]) & ~isolated
            tag = "" if res == 1.0 else f"_r{res:g}"
            cols[f"same_community{tag}"] = same.astype(np.float64)
            cols[f"log_community_size{tag}"] = np.where(same, np.log1p(size[labels[u]]), 0.0)
        names = list(cols)
        return np.column_stack([cols[name] for name in names]), names
