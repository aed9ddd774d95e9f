"""The follow graph at one instant, as sparse matrices over dense account indices.

Built from a :class:`~models.suggest.follow_log.FollowLog` (training, evaluation) and
saved inside the ``follow-suggest`` model artefact (serving): the service answers from
the snapshot it was trained with, like the feed ranker answers from materialised features.
Accounts the snapshot does not know map to index ``-1`` and are featurised as isolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import scipy.sparse as sp

from models.suggest.follow_log import FollowLog
from models.suggest.graph import symmetric_adjacency


@dataclass
class GraphSnapshot:
    account_ids: np.ndarray        # index → account id, sorted
    follows: sp.csr_matrix         # directed, follows[a, b] = when a followed b (epoch seconds)
    interactions: sp.csr_matrix    # directed, likes + replies of a on b's posts
    topics: sp.csr_matrix          # account × hashtag, rows L2-normalised
    at: datetime | None

    @classmethod
    def from_log(cls, log: FollowLog, at: datetime | None = None) -> GraphSnapshot:
        ids = log.account_ids
        n = len(ids)
        edges = log.follows_at(at)
        when = pd.to_datetime(edges.followed_at, utc=True).astype("int64").to_numpy() / 1e9
        follows = _directed(ids, edges.account_id, edges.target_account_id, when, n, sum_duplicates=False)
        engaged = log.interactions if at is None else log.interactions[log.interactions.occurred_at <= at]
        interactions = _directed(ids, engaged.account_id, engaged.target_account_id,
                                 np.ones(len(engaged)), n, sum_duplicates=True)
        tagged = log.tags if at is None else log.tags[log.tags.occurred_at <= at]
        tag_codes, _ = pd.factorize(tagged.tag)
        n_tags = max(1, int(tag_codes.max(initial=-1)) + 1)
        rows = np.searchsorted(ids, tagged.account_id.to_numpy())
        topics = sp.csr_matrix((np.ones(len(tagged)), (rows, tag_codes)), shape=(n, n_tags))
        topics.sum_duplicates()
        norms = np.sqrt(np.asarray(topics.multiply(topics).sum(axis=1)).ravel())
        topics = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ topics
        return cls(ids, follows, interactions, topics.tocsr(), at)

    @property
    def n(self) -> int:
        return len(self.account_ids)

    def index_of(self, account_ids) -> np.ndarray:
        """Dense index of each account id, ``-1`` for accounts the snapshot does not know."""
        account_ids = np.asarray(account_ids, dtype=np.int64)
        if self.n == 0:
            return np.full(len(account_ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.account_ids, account_ids), self.n - 1)
        return np.where(self.account_ids[pos] == account_ids, pos, -1)

    def followed_binary(self) -> sp.csr_matrix:
        out = self.follows.copy()
        out.data[:] = 1.0
        return out

    def undirected(self) -> sp.csr_matrix:
        coo = self.follows.tocoo()
        return symmetric_adjacency(coo.row, coo.col, self.n)

    def followers_count(self) -> np.ndarray:
        return np.diff(self.follows.tocsc().indptr).astype(np.float64)

    def following_count(self) -> np.ndarray:
        return np.diff(self.follows.indptr).astype(np.float64)

    def following_of(self, viewer: int) -> np.ndarray:
        """Indices the viewer follows, oldest follow first."""
        if viewer < 0:
            return np.zeros(0, np.int64)
        row = self.follows[viewer]
        return row.indices[np.argsort(row.data, kind="stable")].astype(np.int64)


def _directed(ids: np.ndarray, src, dst, data, n: int, *, sum_duplicates: bool) -> sp.csr_matrix:
    rows = np.searchsorted(ids, np.asarray(src, dtype=np.int64))
    cols = np.searchsorted(ids, np.asarray(dst, dtype=np.int64))
    matrix = sp.coo_matrix((np.asarray(data, dtype=np.float64), (rows, cols)), shape=(n, n))
    if sum_duplicates:
        return matrix.tocsr()
    matrix = sp.csr_matrix(matrix)          # one follow per pair: follows_at() already deduplicated
    matrix.sort_indices()
    return matrix
