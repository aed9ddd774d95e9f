"""The node2vec link-prediction protocol (Grover & Leskovec, KDD 2016, section 4.4):
hide a fraction of the edges while the residual graph stays connected, and sample as many
node pairs that are not edges as negatives.

Connectivity is kept by construction (see :func:`node2vec_split` for the protocols); a
disconnected input keeps its components, none is split further.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import minimum_spanning_tree


@dataclass
class Split:
    train_edges: np.ndarray     # (m_train, 2) edges of the residual graph
    pos_pairs: np.ndarray       # (k, 2) hidden edges
    neg_pairs: np.ndarray       # (k, 2) sampled non-edges
    n_nodes: int

    def pairs_and_labels(self) -> tuple[np.ndarray, np.ndarray]:
        pairs = np.concatenate([self.pos_pairs, self.neg_pairs])
        labels = np.concatenate([np.ones(len(self.pos_pairs), np.int8), np.zeros(len(self.neg_pairs), np.int8)])
        return pairs, labels


def _pair_keys(pairs: np.ndarray, n: int) -> np.ndarray:
    lo = np.minimum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    hi = np.maximum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    return lo * np.int64(n) + hi


def kruskal_forest_mask(edges: np.ndarray, n: int, order: np.ndarray) -> np.ndarray:
    """Boolean mask over ``edges`` (``u < v``, unique) marking the spanning forest Kruskal
    builds when it scans the edges in ``order`` (a permutation of ``range(len(edges))``)."""
    m = len(edges)
    if m == 0:
        return np.zeros(0, dtype=bool)
    rank = np.empty(m, dtype=np.float64)
    rank[order] = np.arange(1, m + 1, dtype=np.float64)      # distinct positive weights
    mat = sp.csr_matrix((rank, (edges[:, 0], edges[:, 1])), shape=(n, n))
    tree = minimum_spanning_tree(mat).tocoo()
    tree_keys = _pair_keys(np.stack([tree.row, tree.col], axis=1), n)
    return np.isin(_pair_keys(edges, n), tree_keys)


def sequential_hidden_mask(edges: np.ndarray, n: int, k: int, order: np.ndarray) -> np.ndarray:
    """Exactly the classic loop "scan the edges in ``order``; remove an edge unless it is a
    bridge of the current graph; stop after ``k`` removals", without the loop.

    By the reverse-delete / Kruskal duality, an edge scanned at position ``i`` is a bridge at
    that moment iff Kruskal scanning the edges in *reverse* order keeps it in its forest. So
    the removed edges are the first ``k`` edges of ``order`` outside that forest.
    """
    forest = kruskal_forest_mask(edges, n, order[::-1])
    removable = order[~forest[order]]
    hidden = np.zeros(len(edges), dtype=bool)
    hidden[removable[:k]] = True
    return hidden


def sample_non_edges(n: int, k: int, forbidden_keys: np.ndarray, rng: np.random.Generator,
                     nodes: np.ndarray | None = None) -> np.ndarray:
    """``k`` distinct unordered pairs ``u != v`` drawn uniformly among pairs whose key is not
    in ``forbidden_keys`` (the edge set). ``nodes`` restricts the endpoints (default: all)."""
    pool = np.arange(n) if nodes is None else np.asarray(nodes, dtype=np.int64)
    n_pool = len(pool)
    max_pairs = n_pool * (n_pool - 1) // 2
    forbidden_keys = np.unique(forbidden_keys)
    if k > max_pairs - len(forbidden_keys):
        raise ValueError(f"cannot sample {k} non-edges: the graph is too dense")
    chosen = np.zeros(0, dtype=np.int64)
    while len(chosen) < k:
        need = k - len(chosen)
        draw = int(need * 1.3) + 16
        a = pool[rng.integers(0, n_pool, draw)]
        b = pool[rng.integers(0, n_pool, draw)]
        ok = a != b
        keys = _pair_keys(np.stack([a[ok], b[ok]], axis=1), n)
        keys = keys[~np.isin(keys, forbidden_keys)]
        keys = keys[~np.isin(keys, chosen)]
        # keep first occurrences in draw order (np.unique would sort => bias-free but order-free too)
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)]
        chosen = np.concatenate([chosen, keys[:need]])
    return np.stack([chosen // n, chosen % n], axis=1)


PROTOCOLS = ("sequential", "fixed-tree", "random-tree")


def node2vec_split(edges: np.ndarray, n: int, fraction: float = 0.5, seed: int = 0,
                   protocol: str = "sequential", forbidden_extra: np.ndarray | None = None) -> Split:
    """Hide ``fraction`` of ``edges`` (rounded; capped by what can go without disconnecting
    anything) and sample the same number of non-edges of the *input* graph.

    ``protocol`` -- how connectivity is kept (every protocol keeps each connected component
    of the input connected):

    * ``sequential`` (default): scan the edges in a random order and remove each one unless
      it is a bridge of the current graph, until enough are removed -- the literal "randomly
      remove edges while the residual graph stays connected" of the node2vec paper.
    * ``random-tree``: keep a random spanning forest (Kruskal on a random order) fixed and
      hide a uniform sample of the other edges.
    * ``fixed-tree``: keep the spanning forest Kruskal builds in *edge-list order* fixed (what
      ``networkx.minimum_spanning_tree`` returns on an unweighted graph) and hide a uniform
      sample of the other edges. On ego networks listed ego-first this tree is mostly
      ego->alter edges, which are then never hidden: the heuristics look much better.

    ``forbidden_extra``: more pairs (keys or ``(k, 2)`` pairs) that must not be drawn as
    negatives, e.g. edges of a larger graph the input is a subgraph of.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError("fraction must be in (0, 1)")
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}")
    rng = np.random.default_rng(seed)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    edges = np.stack([edges.min(axis=1), edges.max(axis=1)], axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    _, first = np.unique(_pair_keys(edges, n), return_index=True)
    edges = edges[np.sort(first)]                      # dedupe, keep the input order
    m = len(edges)
    k_wanted = int(round(fraction * m))
    if protocol == "sequential":
        hidden = sequential_hidden_mask(edges, n, k_wanted, rng.permutation(m))
    else:
        order = rng.permutation(m) if protocol == "random-tree" else np.arange(m)
        candidates = np.flatnonzero(~kruskal_forest_mask(edges, n, order))
        k = min(k_wanted, len(candidates))
        hidden = np.zeros(m, dtype=bool)
        hidden[rng.choice(candidates, size=k, replace=False)] = True
    forbidden = _pair_keys(edges, n)
    if forbidden_extra is not None and len(forbidden_extra):
        extra = np.asarray(forbidden_extra, dtype=np.int64)
        forbidden = np.concatenate([forbidden, extra if extra.ndim == 1 else _pair_keys(extra, n)])
    # Negatives are drawn among the nodes that have at least one edge in the input graph.
    nodes = np.unique(edges)
    pos = edges[hidden]
    pos = pos[rng.permutation(len(pos))]
    neg = sample_non_edges(n, len(pos), forbidden, rng, nodes=nodes)
    return Split(train_edges=edges[~hidden], pos_pairs=pos, neg_pairs=neg, n_nodes=n)
