"""Undirected graphs as a symmetric scipy CSR, plus the classic link-prediction heuristics
vectorised over arrays of node pairs (no per-pair Python loops over neighbour sets).

Node labels in the files are arbitrary tokens (``"0"``, ``"alice"``); they are mapped to
dense indices ``0..n-1``. Pairs that mention a label unknown to the graph get a fresh
index for an *isolated* node (degree 0): every heuristic then scores them 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

# Sparse products are chunked so that no chunk materialises more than about this many
# stored entries (keeps memory flat on graphs with hubs).
_CHUNK_BUDGET = 4_000_000


# ---------------------------------------------------------------------------- parsing

def _data_lines(path: str | Path):
    with open(path, encoding="utf-8") as handle:
        for lineno, raw in enumerate(handle, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            yield lineno, line.split()


def read_edge_tokens(path: str | Path) -> tuple[list[str], list[str]]:
    """``u v`` per line (extra columns such as weights are ignored)."""
    us: list[str] = []
    vs: list[str] = []
    for lineno, parts in _data_lines(path):
        if len(parts) < 2:
            raise ValueError(f"{path}:{lineno}: expected 'u v', got {parts!r}")
        us.append(parts[0])
        vs.append(parts[1])
    return us, vs


def read_labelled_pairs(path: str | Path) -> tuple[list[str], list[str], np.ndarray]:
    """``u v label`` per line, label 1 (hidden edge) or 0 (non-edge)."""
    us: list[str] = []
    vs: list[str] = []
    labels: list[int] = []
    for lineno, parts in _data_lines(path):
        if len(parts) < 3:
            raise ValueError(f"{path}:{lineno}: expected 'u v label', got {parts!r}")
        label = int(float(parts[2]))
        if label not in (0, 1):
            raise ValueError(f"{path}:{lineno}: label must be 0 or 1, got {parts[2]!r}")
        us.append(parts[0])
        vs.append(parts[1])
        labels.append(label)
    return us, vs, np.asarray(labels, dtype=np.int8)


# ---------------------------------------------------------------------------- the graph

def symmetric_adjacency(u: np.ndarray, v: np.ndarray, n: int) -> sp.csr_matrix:
    """Binary symmetric CSR (float64 so products count paths exactly), no self-loops,
    duplicates and both directions of an edge collapsed."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    u, v = u[keep], v[keep]
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    adj = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    adj.sum_duplicates()
    adj.data[:] = 1.0
    adj.sort_indices()
    return adj


def upper_edges(adj: sp.spmatrix) -> np.ndarray:
    """The undirected edges of a symmetric adjacency as an ``(m, 2)`` array with ``u < v``."""
    upper = sp.triu(adj, k=1).tocoo()
    return np.stack([upper.row, upper.col], axis=1).astype(np.int64)


@dataclass
class Graph:
    """An undirected simple graph: ``adj`` is symmetric binary CSR over ``len(labels)`` nodes."""

    adj: sp.csr_matrix
    labels: list[str]
    index: dict[str, int] = field(repr=False)

    @classmethod
    def from_tokens(cls, us: list[str], vs: list[str]) -> "Graph":
        index: dict[str, int] = {}
        labels: list[str] = []
        for token in (*us, *vs):
            if token not in index:
                index[token] = len(labels)
                labels.append(token)
        ui = np.fromiter((index[t] for t in us), dtype=np.int64, count=len(us))
        vi = np.fromiter((index[t] for t in vs), dtype=np.int64, count=len(vs))
        return cls(symmetric_adjacency(ui, vi, len(labels)), labels, index)

    @classmethod
    def from_edge_file(cls, path: str | Path) -> "Graph":
        return cls.from_tokens(*read_edge_tokens(path))

    @classmethod
    def from_index_edges(cls, edges: np.ndarray, n: int, labels: list[str] | None = None) -> "Graph":
        labels = labels if labels is not None else [str(i) for i in range(n)]
        edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        return cls(symmetric_adjacency(edges[:, 0], edges[:, 1], n), list(labels),
                   {label: i for i, label in enumerate(labels)})

    @property
    def n_nodes(self) -> int:
        return self.adj.shape[0]

    @property
    def n_edges(self) -> int:
        return int(self.adj.nnz // 2)

    @property
    def degrees(self) -> np.ndarray:
        return np.diff(self.adj.indptr).astype(np.float64)

    def edges(self) -> np.ndarray:
        return upper_edges(self.adj)

    def with_edges(self, edges: np.ndarray) -> "Graph":
        """Same node set, another edge set (used for the residual graphs of a split)."""
        return Graph(symmetric_adjacency(edges[:, 0], edges[:, 1], self.n_nodes), self.labels, self.index)

    def indices_for(self, tokens: list[str]) -> np.ndarray:
        """Map labels to indices, adding isolated nodes for labels the graph has never seen."""
        out = np.empty(len(tokens), dtype=np.int64)
        added = 0
        for i, token in enumerate(tokens):
            idx = self.index.get(token)
            if idx is None:
                idx = len(self.labels)
                self.index[token] = idx
                self.labels.append(token)
                added += 1
            out[i] = idx
        if added:
            n = len(self.labels)
            adj = self.adj.tocsr()
            indptr = np.concatenate([adj.indptr, np.full(added, adj.indptr[-1], dtype=adj.indptr.dtype)])
            self.adj = sp.csr_matrix((adj.data, adj.indices, indptr), shape=(n, n))
        return out


# ---------------------------------------------------------------------------- chunking

def _chunks(cost: np.ndarray, budget: int = _CHUNK_BUDGET):
    """Split ``range(len(cost))`` into contiguous slices whose summed cost is ~``budget``."""
    n = len(cost)
    if n == 0:
        return
    csum = np.cumsum(np.asarray(cost, dtype=np.float64) + 1.0)
    start = 0
    while start < n:
        base = csum[start - 1] if start else 0.0
        stop = int(np.searchsorted(csum, base + budget, side="right"))
        stop = max(stop, start + 1)
        yield slice(start, min(stop, n))
        start = stop


def _rowwise_dot(left: sp.csr_matrix, right: sp.csr_matrix) -> np.ndarray:
    """``sum_k left[i, k] * right[i, k]`` for every row ``i``."""
    return np.asarray(left.multiply(right).sum(axis=1)).ravel()


def _check_pairs(adj: sp.csr_matrix, u, v) -> tuple[np.ndarray, np.ndarray]:
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    if u.shape != v.shape:
        raise ValueError("u and v must have the same shape")
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= adj.shape[0]):
        raise IndexError("pair index outside the graph")
    return u, v


# ---------------------------------------------------------------------------- heuristics

def neighbour_overlap(adj: sp.csr_matrix, u, v) -> dict[str, np.ndarray]:
    """Common neighbours, Adamic-Adar and resource allocation for every pair, one pass.

    Adamic-Adar weighs a common neighbour ``w`` by ``1/log(deg w)`` and resource
    allocation by ``1/deg w`` (networkx's definitions).
    """
    u, v = _check_pairs(adj, u, v)
    deg = np.diff(adj.indptr).astype(np.float64)
    with np.errstate(divide="ignore"):
        aa_w = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2.0)), 0.0)
        ra_w = np.where(deg > 0, 1.0 / np.maximum(deg, 1.0), 0.0)
    weights = np.stack([np.ones_like(deg), aa_w, ra_w], axis=1)
    out = np.zeros((u.size, 3))
    cost = np.minimum(deg[u], deg[v]) + deg[u]
    for sl in _chunks(cost):
        common = adj[u[sl]].multiply(adj[v[sl]]).tocsr()
        out[sl] = common @ weights
    return {"common_neighbors": out[:, 0], "adamic_adar": out[:, 1], "resource_allocation": out[:, 2]}


def common_neighbors(adj: sp.csr_matrix, u, v) -> np.ndarray:
    return neighbour_overlap(adj, u, v)["common_neighbors"]


def adamic_adar(adj: sp.csr_matrix, u, v) -> np.ndarray:
    return neighbour_overlap(adj, u, v)["adamic_adar"]


def resource_allocation(adj: sp.csr_matrix, u, v) -> np.ndarray:
    return neighbour_overlap(adj, u, v)["resource_allocation"]


def jaccard_from_counts(cn: np.ndarray, du: np.ndarray, dv: np.ndarray) -> np.ndarray:
    union = du + dv - cn
    return np.divide(cn, union, out=np.zeros_like(cn, dtype=np.float64), where=union > 0)


def jaccard(adj: sp.csr_matrix, u, v) -> np.ndarray:
    u, v = _check_pairs(adj, u, v)
    deg = np.diff(adj.indptr).astype(np.float64)
    return jaccard_from_counts(common_neighbors(adj, u, v), deg[u], deg[v])


def preferential_attachment(adj: sp.csr_matrix, u, v) -> np.ndarray:
    u, v = _check_pairs(adj, u, v)
    deg = np.diff(adj.indptr).astype(np.float64)
    return deg[u] * deg[v]


def heuristic_scores(adj: sp.csr_matrix, u, v) -> dict[str, np.ndarray]:
    """The four baselines of the node2vec paper (Table 4) on the same pairs."""
    u, v = _check_pairs(adj, u, v)
    deg = np.diff(adj.indptr).astype(np.float64)
    overlap = neighbour_overlap(adj, u, v)
    cn = overlap["common_neighbors"]
    return {
        "common_neighbors": cn,
        "jaccard": jaccard_from_counts(cn, deg[u], deg[v]),
        "adamic_adar": overlap["adamic_adar"],
        "preferential_attachment": deg[u] * deg[v],
    }


def path_counts(adj: sp.csr_matrix, u, v, lengths: tuple[int, ...] = (3,)) -> dict[str, np.ndarray]:
    """Walk counts between ``u`` and ``v`` restricted to the given pairs, plus their
    degree-normalised versions (each intermediate node ``w`` weighted ``1/deg w``, i.e. the
    resource-allocation index extended to longer paths).

    ``paths3`` = ``(A^3)[u, v]``: for a non-adjacent pair, the number of simple 3-paths.
    ``ra3``    = ``(A D^-1 A D^-1 A)[u, v]``.
    With 4 in ``lengths`` also ``paths4`` = ``(A^4)[u, v]``,
    ``ra4`` = ``(A D^-1 A D^-1 A D^-1 A)[u, v]`` and ``cos2``, the cosine between the rows
    ``A^2[u]`` and ``A^2[v]`` (how alike the two 2-hop neighbourhoods are).
    Nothing is densified: rows of ``A^2`` are built for the pairs of one chunk at a time.
    """
    u, v = _check_pairs(adj, u, v)
    deg = np.diff(adj.indptr).astype(np.float64)
    inv = sp.diags(np.where(deg > 0, 1.0 / np.maximum(deg, 1.0), 0.0))
    adj_w = (adj @ inv).tocsr()          # column b scaled by 1/deg b
    four = 4 in lengths
    names = ["paths3", "ra3"] + (["paths4", "ra4", "cos2"] if four else [])
    out = {name: np.zeros(u.size) for name in names}
    two_hop = adj @ deg                  # sum of neighbour degrees >= nnz of a row of A^2
    cost = two_hop[u] + (two_hop[v] if four else 0)
    for sl in _chunks(cost):
        au = adj[u[sl]]
        av = adj[v[sl]]
        au2 = (au @ adj).tocsr()                       # A^2[u]
        out["paths3"][sl] = _rowwise_dot(au2, av)
        au2w = ((au @ inv) @ adj_w).tocsr()            # (A D^-1 A D^-1)[u]
        out["ra3"][sl] = _rowwise_dot(au2w, av)
        if four:
            av2 = (av @ adj).tocsr()
            p4 = _rowwise_dot(au2, av2)
            out["paths4"][sl] = p4
            norms = np.sqrt(_rowwise_dot(au2, au2) * _rowwise_dot(av2, av2))
            out["cos2"][sl] = np.divide(p4, norms, out=np.zeros_like(p4), where=norms > 0)
            av2w = (av @ inv @ adj).tocsr()            # (A D^-1 A)[v]
            out["ra4"][sl] = _rowwise_dot(au2w, av2w)
    return out
