"""Trends: what the Spark trends job computed (``agora pipeline trends``, tables ``trending_tags``
and ``trending_statuses``), or, until that job has run once, a live SQL computation from recent
posts. ``source`` says which answered (``job`` or ``fallback``; the API puts it in the
``X-Agora-Trends`` header and the ``agora_trends_requests_total`` metric).

Trending posts from the job are re-checked against the database on every read, so a post that
moderation limited, held or removed, or whose author was silenced, leaves trends at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.read_filters import VisibleWithOriginals
from platform_api.repositories import precomputed_trends, trends
from platform_api.tables import Account, Status

HISTORY_DAYS = 7
TRENDS_REQUESTS = Counter("agora_trends_requests_total", "Trends answers by source (job or fallback)",
                          ["kind", "source"])
STATUS_WINDOW = timedelta(hours=48)


def _midnight(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class TrendingTags:
    """Tags from the trends job, best first; fallback: by how many accounts used them today and
    yesterday. Both with Mastodon's 7-day
    ``history`` (newest day first; ``day`` is the unix time of the day's start, as a string)."""

    def __init__(self, session: Session):
        self.session = session
        self.source = "fallback"

    def __call__(self, *, limit: int = 10, offset: int = 0) -> list[tuple[str, list[dict]]]:
        if precomputed_trends.has_run(self.session):
            self.source = "job"
            return [(row.name, json.loads(row.history))
                    for row in precomputed_trends.trending_tags(self.session, limit=limit, offset=offset)]
        self.source = "fallback"
        return self._live(limit=limit, offset=offset)

    def _live(self, *, limit: int, offset: int) -> list[tuple[str, list[dict]]]:
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
    """Posts from the trends job, best first; fallback: recent public posts by engagement
    velocity: (favourites + 2 x reblogs + replies) per (age in hours + 2)^1.5, so a fresh post with a few reactions beats an old one with more."""

    def __init__(self, session: Session):
        self.session = session
        self.source = "fallback"

    def __call__(self, viewer: Account | None, *, limit: int = 20, offset: int = 0) -> list[Status]:
        if precomputed_trends.has_run(self.session):
            self.source = "job"
            ranked = trends.counted_statuses(self.session,
                                             status_ids=precomputed_trends.trending_status_ids(self.session))
            return VisibleWithOriginals(self.session, viewer)(ranked)[offset: offset + limit]
        self.source = "fallback"
        return self._live(viewer, limit=limit, offset=offset)

    def _live(self, viewer: Account | None, *, limit: int, offset: int) -> list[Status]:
        now = utcnow()
        candidates = trends.engaged_statuses(self.session, since=now - STATUS_WINDOW)

        def velocity(status: Status) -> float:
            age_hours = max((now - status.created_at).total_seconds() / 3600, 0.0)
            engagement = status.favourites_count + 2 * status.reblogs_count + status.replies_count
            return engagement / (age_hours + 2) ** 1.5

        ranked = sorted(VisibleWithOriginals(self.session, viewer)(candidates), key=lambda s: (-velocity(s), -s.id))
        return ranked[offset: offset + limit]
