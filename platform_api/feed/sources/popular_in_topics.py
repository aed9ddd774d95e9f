from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.ids import id_floor, utcnow
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
            .where(StatusTag.tag_id.in_(list(topics)), StatusTag.status_id >= id_floor(since),   # ids are time-ordered:
                   Status.created_at >= since, Status.visibility == "public",                 # a range on the tag index
                   Status.deleted_at.is_(None), Status.limited.is_(False), Status.reblog_of_id.is_(None),
                   Status.account_id != query.viewer.id)
            .order_by(Status.favourites_count.desc(), Status.id.desc()).limit(self.cap * 2)).all()
        frame = pd.DataFrame(rows, columns=[F.STATUS_ID, F.AUTHOR_ID, F.CREATED_AT, "tag_id"])
        frame = frame.drop_duplicates(F.STATUS_ID).head(self.cap)
        return candidate_frame(frame.assign(**{F.CONTEXT: "popular in #" + frame["tag_id"].map(topics)}), self.name)
