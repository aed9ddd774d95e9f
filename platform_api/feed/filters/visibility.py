from __future__ import annotations

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.stage import FilterResult
from platform_api.repositories import statuses
from platform_api.visibility import VisibleStatuses


class VisibilityFilter:
    """Drops what the viewer must not see: blocks, mutes, suspensions, follower-only and moderation."""

    name = "visibility"

    def apply(self, query: FeedQuery, candidates) -> FilterResult:
        found = statuses.many(query.session, status_ids=candidates[F.STATUS_ID].tolist())
        visible = {s.id for s in VisibleStatuses(query.session, query.viewer)(found.values()) if not s.is_story}
        mask = candidates[F.STATUS_ID].isin(visible)
        return FilterResult(candidates[mask], candidates[~mask])
