from __future__ import annotations

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.stage import FilterResult
from platform_api.visibility import VisibleStatuses


class VisibilityFilter:
    """Drops what the viewer must not see: blocks, mutes, suspensions, follower-only, moderation
    and stories (from plain columns of the whole batch: no ORM row per candidate)."""

    name = "visibility"

    def apply(self, query: FeedQuery, candidates) -> FilterResult:
        visible = VisibleStatuses(query.session, query.viewer).visible_ids(
            candidates[F.STATUS_ID].tolist(), stories=False, known=query.status_rows)
        mask = candidates[F.STATUS_ID].isin(visible)
        return FilterResult(candidates[mask], candidates[~mask])
