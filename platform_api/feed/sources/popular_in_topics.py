from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pandas as pd
import structlog
from sqlalchemy import func, select

from platform_api.db import session_scope
from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.ids import id_floor, utcnow
from platform_api.tables import Favourite, Status, StatusTag, Tag

log = structlog.get_logger("agora.feed")


class PopularInTopicsSource:
    """Recent public posts with the most likes, in the hashtags the viewer likes and posts.

    A hashtag's top posts are the same for every viewer, and ranking them means sorting every
    recent post of the tag (thousands on a big instance, ~40 ms): each tag's list is kept and
    shared by every request. Past ``ttl_seconds`` a kept list is still served while one
    background thread reloads it (single-flight per tag), so after a tag's first request no
    request waits for that sort; a list older than ``max_stale_seconds`` (reloads failing) is
    reloaded inline. ``warm`` loads the busiest tags' lists in that thread when the API starts, so
    the first requests after a restart do not each pay a tag's first sort. Deleted, limited or
    hidden posts in a kept list are dropped by the feed's visibility filter and again when the
    page is served."""

    name = "popular_in_topics"

    def __init__(self, cap: int = 300, days: int = 3, topics: int = 5, ttl_seconds: float = 60,
                 max_stale_seconds: float = 600):
        self.cap = cap
        self.days = days
        self.topics = topics
        self.ttl = ttl_seconds
        self.max_stale = max(max_stale_seconds, ttl_seconds)
        self._by_tag: dict[int, tuple[float, pd.DataFrame]] = {}     # tag → (loaded at, list)
        self._reloading: set[int] = set()
        self._lock = threading.Lock()
        self._reloader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="popular-topics")

    def warm(self, settings, tags: int = 100):
        """Load, in the background thread, the lists of the ``tags`` hashtags most used by recent
        posts (a future: the number of lists loaded)."""
        return self._reloader.submit(self._warm, settings, tags)

    def _warm(self, settings, tags: int) -> int:
        since = utcnow() - timedelta(days=self.days)
        try:
            with session_scope(settings) as session:
                busiest = session.scalars(select(StatusTag.tag_id).where(StatusTag.status_id >= id_floor(since))
                                          .group_by(StatusTag.tag_id).order_by(func.count().desc()).limit(tags)).all()
                for tag_id in busiest:
                    with self._lock:
                        if tag_id in self._by_tag:   # a request loaded it first
                            continue
                    self._load(session, tag_id)
        except Exception:  # noqa: BLE001 - without the warm-up, each tag's first request loads its list
            log.exception("popular_topics_warm_failed")
            return 0
        log.info("popular_topics_warmed", tags=len(busiest))
        return len(busiest)

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
        frame = pd.concat([self._top_of(query, tag_id) for tag_id in topics], ignore_index=True)
        frame = frame[frame[F.AUTHOR_ID] != query.viewer.id]
        frame = frame.sort_values(["likes", F.STATUS_ID], ascending=False, kind="stable")
        frame = frame.drop_duplicates(F.STATUS_ID).head(self.cap)
        return candidate_frame(frame.drop(columns="likes")
                               .assign(**{F.CONTEXT: "popular in #" + frame["tag_id"].map(topics)}), self.name)

    def _top_of(self, query: FeedQuery, tag_id: int) -> pd.DataFrame:
        """The tag's kept list (reloaded in the background once older than the TTL), or a fresh one."""
        now = time.monotonic()
        with self._lock:
            kept = self._by_tag.get(tag_id)
            age = now - kept[0] if kept is not None else None
            reload = age is not None and self.ttl <= age < self.max_stale and tag_id not in self._reloading
            if reload:
                self._reloading.add(tag_id)
        if reload:
            self._reloader.submit(self._reload, query.settings, tag_id)
        if age is not None and age < self.max_stale:
            return kept[1]
        return self._load(query.session, tag_id)

    def _reload(self, settings, tag_id: int) -> None:
        try:
            with session_scope(settings) as session:
                self._load(session, tag_id)
        except Exception:  # noqa: BLE001 - the kept list serves on; past max_stale a request reloads it
            log.exception("popular_topic_reload_failed", tag=tag_id)
        finally:
            with self._lock:
                self._reloading.discard(tag_id)

    def _load(self, session, tag_id: int) -> pd.DataFrame:
        """The tag's most liked recent posts (a few more than the cap: the viewer's own are dropped)."""
        loaded_at = time.monotonic()
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
            self._by_tag[tag_id] = (loaded_at, frame)
        return frame
