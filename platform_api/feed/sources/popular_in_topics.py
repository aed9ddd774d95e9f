from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.ids import utcnow
from platform_api.tables import Favourite, Status, StatusTag, Tag


class PopularInTopicsSource:
    """Recent public posts with the most likes, in the hashtags the viewer likes and posts."""

    name = "popular_in_topics"

    def __init__(self, cap: int = 300, days: int = 3, topics: int = 5):
        self.cap = cap
        self.days = days
        self.topics = topics

    def viewer_topics(self, query: FeedQuery) -> dict[int, str]:
        liked = query.session.scalars(select(Favourite.status_id).where(Favourite.account_id == query.viewer.id)
                                      .order_by(Favourite.id.desc()).limit(200)).all()
        own = query.session.scalars(select(Status.id).where(Status.account_id == query.viewer.id)
                                    .order_by(Status.id.desc()).limit(50)).all()
        if not liked and not own:
            return {}
        rows = query.session.execute(
            select(Tag.id, Tag.name, func.count()).join(StatusTag, StatusTag.tag_id == Tag.id)
            .where(StatusTag.status_id.in_(list(liked) + list(own)))
            .group_by(Tag.id, Tag.name).order_by(func.count().desc()).limit(self.topics)).all()
        return {tag_id: name for tag_id, name, _ in rows}

    def fetch(self, query: FeedQuery):
        topics = self.viewer_topics(query)
        if not topics:
            return candidate_frame([], self.name)
        since = utcnow() - timedelta(days=self.days)
        rows = query.session.execute(
            select(Status.id, Status.account_id, Status.created_at, StatusTag.tag_id)
            .join(StatusTag, StatusTag.status_id == Status.id)
            .where(StatusTag.tag_id.in_(list(topics)), Status.created_at >= since, Status.visibility == "public",
                   Status.deleted_at.is_(None), Status.limited.is_(False), Status.reblog_of_id.is_(None),
                   Status.account_id != query.viewer.id)
            .order_by(Status.favourites_count.desc(), Status.id.desc()).limit(self.cap * 2)).all()
        seen, out = set(), []
        for status_id, author, created, tag_id in rows:
            if status_id not in seen:
                seen.add(status_id)
                out.append((status_id, author, created, f"popular in #{topics[tag_id]}"))
        return candidate_frame(out[: self.cap], self.name)
