"""Pair features of (viewer, candidate) on a follow-graph snapshot -- one implementation for
training, evaluation and serving.

The undirected link-prediction features of :class:`~models.suggest.pair_features.PairFeaturizer`
(common neighbours, Jaccard, Adamic-Adar, preferential attachment, path counts, embedding
similarity) plus what only a directed social graph with activity has: the directed
friends-of-friends Adamic-Adar (the fallback's own score), whether the candidate follows the
viewer, past interactions both ways (likes and replies), hashtag-profile similarity and the
candidate's follower count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from models.suggest.pair_features import FeatureConfig, PairFeaturizer
from models.suggest.snapshot import GraphSnapshot

#: Features along which a higher value may never lower the score (monotone GBM constraints).
MONOTONE_DIRECTED = frozenset({"fof_adamic_adar", "follows_viewer", "log_interactions", "topic_cos"})


@dataclass(frozen=True)
class FollowFeatureConfig:
    # 4-walk counts cost most of the featurisation time here and measured no gain (docs/models-suggestions.md)
    graph: FeatureConfig = field(default_factory=lambda: FeatureConfig(spectral_dim=32, paths4=False))


def via_weights(snapshot: GraphSnapshot) -> np.ndarray:
    """Adamic-Adar weight of each account as the one in between: ``1 / log(followers +
    following)`` (below 2 counts as 2), the same weighting as the API's fallback."""
    degree = snapshot.followers_count() + snapshot.following_count()
    return 1.0 / np.log(np.maximum(degree, 2.0))


class FollowFeaturizer:
    """``fit(snapshot)`` once, then ``transform(viewers, candidates)`` for index arrays (``-1`` = unknown)."""

    def __init__(self, config: FollowFeatureConfig = FollowFeatureConfig(), seed: int = 0):
        self.config = config
        self.seed = seed

    def fit(self, snapshot: GraphSnapshot) -> FollowFeaturizer:
        self.snapshot = snapshot
        self.graph = PairFeaturizer(self.config.graph, seed=self.seed).fit(snapshot.undirected())
        self.follows = snapshot.followed_binary()
        # column b of diag(w) @ follows: who follows b, weighted by the in-between account's AA weight
        self.weighted_followers = (sp.diags(via_weights(snapshot)) @ self.follows).T.tocsr()
        self.log_followers = np.log1p(snapshot.followers_count())
        return self

    @property
    def embeddings(self) -> np.ndarray:
        """Node embeddings of the snapshot (node2vec when configured, else spectral)."""
        return self.graph.n2v if self.graph.n2v is not None else self.graph.spectral

    def transform(self, viewers, candidates) -> tuple[np.ndarray, list[str]]:
        viewers = np.asarray(viewers, dtype=np.int64)
        candidates = np.asarray(candidates, dtype=np.int64)
        n = self.snapshot.n
        known = (viewers >= 0) & (candidates >= 0)
        # unknown accounts become one isolated extra node: every graph feature is 0 / neutral
        u, v = np.where(viewers >= 0, viewers, n), np.where(candidates >= 0, candidates, n)
        x, names = self.graph.transform(u, v)
        uk, vk = np.where(known, u, 0), np.where(known, v, 0)
        cols = {
            "fof_adamic_adar": _pair_dot(self.follows, self.weighted_followers, uk, vk),
            "follows_viewer": np.asarray(self.follows[vk, uk]).ravel(),
            "log_interactions": np.log1p(np.asarray(self.snapshot.interactions[uk, vk]).ravel()),
            "log_interactions_back": np.log1p(np.asarray(self.snapshot.interactions[vk, uk]).ravel()),
            "topic_cos": _pair_dot(self.snapshot.topics, self.snapshot.topics, uk, vk),
            "log_followers": self.log_followers[vk],
        }
        extra = np.column_stack([np.where(known, c, 0.0) for c in cols.values()])
        return np.hstack([x, extra]), names + list(cols)


def _pair_dot(left: sp.csr_matrix, right: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``(left @ right.T)[u, v]`` for each pair without the full product: rows ``u`` of
    ``left`` times rows ``v`` of ``right``, summed row-wise."""
    if u.size == 0:
        return np.zeros(0)
    return np.asarray(left[u].multiply(right[v]).sum(axis=1)).ravel()
