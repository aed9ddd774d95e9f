from __future__ import annotations

import threading
import time
from datetime import timedelta

import pandas as pd
from sqlalchemy import func, select

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.ids import id_floor, utcnow
from platform_api.tables import Favourite, Status, StatusTag, Tag


class PopularInTopicsSource:
    """Recent public posts with the most likes, in the hashtags the viewer likes and posts.

    A hashtag's top posts are the same for every viewer, and ranking them means sorting every
    recent post of the tag (tens of thousands on a big instance): each tag's list is kept for
    ``ttl_seconds`` and shared by the requests of that time. Deleted, limited or hidden posts
    in a kept list are dropped by the feed's visibility filter and again when the page is served."""

    name = "popular_in_topics"

    def __init__(self, cap: int = 300, days: int = 3, topics: int = 5, ttl_seconds: float = 60):
        self.cap = cap
        self.days = days
        self.topics = topics
        self.ttl = ttl_seconds
        self._by_tag: dict[int, tuple[float, pd.DataFrame]] = {}
        self._lock = threading.Lock()

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
        frame = pd.concat([self._top_of(query.session, tag_id) for tag_id in topics], ignore_index=True)
        frame = frame[frame[F.AUTHOR_ID] != query.viewer.id]
        frame = frame.sort_values(["likes", F.STATUS_ID], ascending=False, kind="stable")
        frame = frame.drop_duplicates(F.STATUS_ID).head(self.cap)
        return candidate_frame(frame.drop(columns="likes")
                               .assign(**{F.CONTEXT: "popular in #" + frame["tag_id"].map(topics)}), self.name)

    def _top_of(self, session, tag_id: int) -> pd.DataFrame:
        """The tag's most liked recent posts (a few more than the cap: the viewer's own are dropped)."""
        now = time.monotonic()
        with self._lock:
            kept = self._by_tag.get(tag_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        since = utcnow() - timedelta(days=self.days)
        rows = session.execute(
            select(Status.id, Status.account_id, Status.created_at, StatusTag.tag_id, Status.favourites_count)
            .join(StatusTag, StatusTag.status_id == Status.id)
            .where(StatusTag.tag_id == tag_id, StatusTag.status_id >= id_floor(since),   # ids are time-ordered:
                   Status.created_at >= since, Status.visibility == "public",         # a range on the tag index
                   Status.deleted_at.is_(None), Status.limited.is_(False), Status.reblog_of_id.is_(None))
            .order_by(Status.favourites_count.desc(), Status.id.desc()).limit(self.cap + 50)).all()
        frame = pd.DataFrame(rows, columns=[F.STATUS_ID, F.AUTHOR_ID, F.CREATED_AT, "tag_id", "likes"])
        with self._lock:
            self._by_tag[tag_id] = (now + self.ttl, frame)
        return frame
