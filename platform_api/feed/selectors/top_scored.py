from __future__ import annotations

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery


class TopScoredSelector:
    """Orders by score (ties: newest first) and keeps at most ``cap`` items for the cached page list."""

    name = "top_scored"

    def __init__(self, cap: int = 400):
        self.cap = cap

    def select(self, query: FeedQuery, candidates):
        ordered = candidates.sort_values([F.SCORE, F.STATUS_ID], ascending=[False, False])
        return ordered.head(self.cap)
