"""Where follow suggestions come from, on a snapshot (Mastodon's ``sources`` values):

* ``friends_of_friends`` -- accounts followed by the accounts the viewer follows, weighted
  by Adamic-Adar (``1 / log degree`` of the account in between);
* ``similar_to_recently_followed`` -- nearest neighbours, in a FAISS inner-product index over
  the L2-normalised node embeddings, of the accounts the viewer followed last;
* ``most_followed`` -- the most followed accounts of the viewer's communities (k-means over
  the same embeddings; the whole graph when the viewer has none);
* ``most_interactions`` -- accounts whose posts the viewer liked or replied to, and accounts
  that follow the viewer whom the viewer does not follow back.

The friends-of-friends ranking is also the baseline (the API's fallback ordering).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.suggest.follow_features import via_weights
from models.suggest.snapshot import GraphSnapshot

FRIENDS_OF_FRIENDS = "friends_of_friends"
SIMILAR_TO_RECENTLY_FOLLOWED = "similar_to_recently_followed"
MOST_FOLLOWED = "most_followed"
MOST_INTERACTIONS = "most_interactions"


@dataclass(frozen=True)
class CandidateConfig:
    friends_of_friends: int = 200
    recent_follows: int = 5          # how many of the latest follows seed embedding neighbours
    neighbours_per_follow: int = 10
    most_followed: int = 30
    interactions: int = 50
    accounts_per_community: int = 60  # k-means clusters ~ accounts / this


@dataclass
class Candidates:
    index: np.ndarray                 # candidate node indices, best-first within each source
    sources: list[list[str]]          # per candidate, in the order found
    similar_to: dict[int, int]        # candidate index → the recent follow it resembles most


class CandidateSources:
    def __init__(self, config: CandidateConfig = CandidateConfig(), seed: int = 0):
        self.config = config
        self.seed = seed

    def fit(self, snapshot: GraphSnapshot, embeddings: np.ndarray) -> CandidateSources:
        import faiss

        # One query of a few vectors at a time: OpenMP threads only add spin-up (35 ms vs <1 ms
        # per search measured on a busy 2-core box).
        faiss.omp_set_num_threads(1)
        self.snapshot = snapshot
        self.follows = snapshot.followed_binary()
        self.followers = self.follows.T.tocsr()
        self.weights = via_weights(snapshot)
        self.followers_count = snapshot.followers_count()
        vectors = np.ascontiguousarray(embeddings[:snapshot.n], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.has_embedding = norms.ravel() > 0
        self.vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        self.index = faiss.IndexFlatIP(self.vectors.shape[1])
        self.index.add(self.vectors)
        self.communities = self._communities(faiss)
        return self

    def _communities(self, faiss) -> np.ndarray:
        """k-means cluster of every embedded account (``-1``: isolated)."""
        labels = np.full(self.snapshot.n, -1, dtype=np.int64)
        embedded = np.flatnonzero(self.has_embedding)
        k = int(min(max(1, len(embedded) // self.config.accounts_per_community), 50))
        if len(embedded) < 2 or k < 2:
            labels[embedded] = 0
            return labels
        kmeans = faiss.Kmeans(self.vectors.shape[1], k, niter=20, seed=self.seed, verbose=False)
        kmeans.train(self.vectors[embedded])
        labels[embedded] = kmeans.index.search(self.vectors[embedded], 1)[1].ravel()
        return labels

    # ------------------------------------------------------------------ sources
    def friends_of_friends_scores(self, following: np.ndarray) -> np.ndarray:
        """Adamic-Adar score of every account for a viewer following ``following``."""
        weights = np.zeros(self.snapshot.n)
        weights[following] = self.weights[following]
        return np.asarray(self.follows.T @ weights).ravel()

    def friends_of_friends_ranking(self, viewer: int, following: np.ndarray, limit: int) -> np.ndarray:
        """The baseline (the API's fallback): friends of friends by Adamic-Adar, ties by
        followers then index, topped up with the most followed accounts."""
        scores = self.friends_of_friends_scores(following)
        order = np.lexsort((np.arange(self.snapshot.n), -self.followers_count, -scores))
        allowed = self._allowed(viewer, following)
        return order[allowed[order]][:limit]

    def __call__(self, viewer: int, following: np.ndarray, recent: np.ndarray) -> Candidates:
        cfg = self.config
        allowed = self._allowed(viewer, following)
        found: dict[int, list[str]] = {}
        similar_to: dict[int, int] = {}

        def add(indices, source: str, limit: int) -> None:
            taken = 0
            for i in np.asarray(indices, dtype=np.int64).tolist():
                if taken >= limit:
                    break
                if allowed[i]:
                    found.setdefault(i, [])
                    if source not in found[i]:
                        found[i].append(source)
                    taken += 1

        fof = self.friends_of_friends_scores(following)
        top = np.argsort(-fof, kind="stable")
        add(top[fof[top] > 0], FRIENDS_OF_FRIENDS, cfg.friends_of_friends)

        seeds = recent[self.has_embedding[recent]][-cfg.recent_follows:] if len(recent) else recent
        if len(seeds):
            sims, hits = self.index.search(self.vectors[seeds], cfg.neighbours_per_follow + 1)
            best: dict[int, tuple[float, int]] = {}
            for seed, row_sims, row_hits in zip(seeds.tolist(), sims, hits):
                for sim, hit in zip(row_sims.tolist(), row_hits.tolist()):
                    if hit >= 0 and hit != seed and (hit not in best or sim > best[hit][0]):
                        best[hit] = (sim, seed)
            ranked = sorted(best, key=lambda h: -best[h][0])
            add(ranked, SIMILAR_TO_RECENTLY_FOLLOWED, len(seeds) * cfg.neighbours_per_follow)
            similar_to = {h: best[h][1] for h in ranked if h in found}

        add(self._popular(viewer, following), MOST_FOLLOWED, cfg.most_followed)

        if viewer >= 0:
            row = self.snapshot.interactions[viewer]
            add(row.indices[np.argsort(-row.data, kind="stable")], MOST_INTERACTIONS, cfg.interactions)
            followers = self.followers[viewer].indices
            add(followers[np.argsort(-self.followers_count[followers], kind="stable")], MOST_INTERACTIONS,
                cfg.interactions)
        index = np.fromiter(found, dtype=np.int64, count=len(found))
        return Candidates(index, [found[i] for i in index.tolist()], similar_to)

    def _popular(self, viewer: int, following: np.ndarray) -> np.ndarray:
        mine = np.concatenate([[viewer] if viewer >= 0 else [], following]).astype(np.int64)
        labels = self.communities[mine]
        labels = labels[labels >= 0]
        pool = np.isin(self.communities, np.unique(labels)) if labels.size else np.ones(self.snapshot.n, bool)
        members = np.flatnonzero(pool)
        return members[np.argsort(-self.followers_count[members], kind="stable")]

    def _allowed(self, viewer: int, following: np.ndarray) -> np.ndarray:
        allowed = np.ones(self.snapshot.n, dtype=bool)
        allowed[following] = False
        if viewer >= 0:
            allowed[viewer] = False
        return allowed
