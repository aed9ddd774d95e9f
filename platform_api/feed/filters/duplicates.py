from __future__ import annotations

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.stage import FilterResult


class DuplicateFilter:
    """One row per status, even when several sources found it (the first source wins)."""

    name = "duplicates"

    def apply(self, query: FeedQuery, candidates) -> FilterResult:
        mask = ~candidates[F.STATUS_ID].duplicated(keep="first")
        return FilterResult(candidates[mask], candidates[~mask])
