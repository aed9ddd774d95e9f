"""A post's engagement, hour by hour, for its author (or an admin)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from platform_api.errors import forbidden, not_found
from platform_api.repositories import analytics, statuses
from platform_api.tables import Account, CreatorSummary, Status, StatusEngagementHourly


@dataclass
class StatusAnalytics:
    status: Status
    hours: list[StatusEngagementHourly]
    creator: CreatorSummary | None


class ShowStatusAnalytics:
    """404 for a missing or deleted post, 403 unless the viewer wrote it or is an admin: other
    people's reach is not public (Mastodon shows counters, not impressions)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account, status_id: int) -> StatusAnalytics:
        status = statuses.get(self.session, status_id=status_id)
        if status is None or status.deleted_at is not None:
            raise not_found()
        if status.account_id != viewer.id and viewer.role != "admin":
            raise forbidden("Only the author or an admin can see a post's analytics")
        return StatusAnalytics(status=status, hours=analytics.status_hours(self.session, status_id=status.id),
                               creator=analytics.creator_summary(self.session, author_id=status.account_id))
