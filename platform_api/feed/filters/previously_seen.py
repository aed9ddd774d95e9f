from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.stage import FilterResult
from platform_api.tables import ServedImpression


class PreviouslySeenFilter:
    """Drops posts the home feed served this viewer in the last ``hours`` (from the
    ``served_impressions`` the impression side effect writes), so a fresh ranking shows new
    posts; paging through one ranked list is the page cache's job, not this filter's.

    Only while at least ``min_unseen`` candidates remain: a quiet network must not turn into
    an empty feed (nor hide a post that came back after an unmute), so below that the seen
    posts stay and compete on score."""

    name = "previously_seen"

    def __init__(self, hours: float = 48, min_unseen: int = 60):
        self.hours = hours
        self.min_unseen = min_unseen

    def apply(self, query: FeedQuery, candidates) -> FilterResult:
        since = datetime.fromtimestamp(query.now, UTC) - timedelta(hours=self.hours)
        seen = query.session.scalars(select(ServedImpression.status_id).where(
            ServedImpression.account_id == query.viewer.id, ServedImpression.served_at >= since)).all()
        mask = ~candidates[F.STATUS_ID].isin(seen)
        if int(mask.sum()) < self.min_unseen:
            return FilterResult(candidates, candidates.iloc[0:0])
        return FilterResult(candidates[mask], candidates[~mask])
