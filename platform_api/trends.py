"""Live trends, computed from recent posts and their engagement (until the pipelines issue
replaces the source with precomputed tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.read_filters import VisibleWithOriginals
from platform_api.repositories import trends
from platform_api.tables import Account, Status

HISTORY_DAYS = 7
STATUS_WINDOW = timedelta(hours=48)


def _midnight(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class TrendingTags:
    """Tags by how many accounts used them today and yesterday, with Mastodon's 7-day
    ``history`` (newest day first; ``day`` is the unix time of the day's start, as a string)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, *, limit: int = 10, offset: int = 0) -> list[tuple[str, list[dict]]]:
        now = utcnow()
        today = _midnight(now)
        recent = trends.tag_usage(self.session, start=today - timedelta(days=1), end=now + timedelta(seconds=1))
        today_usage = trends.tag_usage(self.session, start=today, end=now + timedelta(seconds=1),
                                       tag_names=list(recent))
        ranked = sorted(recent, key=lambda n: (-(today_usage.get(n, (0, 0))[1] * 2 + recent[n][1]),
                                               -recent[n][0], n))
        chosen = ranked[offset: offset + limit]
        if not chosen:
            return []
        days = [today - timedelta(days=d) for d in range(HISTORY_DAYS)]
        usage = [trends.tag_usage(self.session, start=day, end=day + timedelta(days=1), tag_names=chosen)
                 for day in days]
        return [(name, [{"day": str(int(day.timestamp())), "uses": str(per_day.get(name, (0, 0))[0]),
                         "accounts": str(per_day.get(name, (0, 0))[1])} for day, per_day in zip(days, usage)])
                for name in chosen]


class TrendingStatuses:
    """Recent public posts by engagement velocity: (favourites + 2 x reblogs + replies) per
    (age in hours + 2)^1.5, so a fresh post with a few reactions beats an old one with more."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account | None, *, limit: int = 20, offset: int = 0) -> list[Status]:
        now = utcnow()
        candidates = trends.engaged_statuses(self.session, since=now - STATUS_WINDOW)

        def velocity(status: Status) -> float:
            age_hours = max((now - status.created_at).total_seconds() / 3600, 0.0)
            engagement = status.favourites_count + 2 * status.reblogs_count + status.replies_count
            return engagement / (age_hours + 2) ** 1.5

        ranked = sorted(VisibleWithOriginals(self.session, viewer)(candidates), key=lambda s: (-velocity(s), -s.id))
        return ranked[offset: offset + limit]
