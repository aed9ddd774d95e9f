"""Recomputes viewers' ranked lists off the request path, so a stale list is served at once
and the next request gets the new one.

Single-flight per viewer (a viewer already queued or running here, or claimed by another API
worker through the shared cache, is not queued again), at most
``workers`` rankings at once beside the request threads, and at most ``max_pending`` waiting:
past that a refresh is dropped and the stale list keeps serving until its TTL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import structlog

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.feed.metrics import FEED_REFRESHES
from platform_api.feed.page_cache import RankedPageCache
from platform_api.feed.pipeline import HomeFeedPipeline
from platform_api.feed.ranking_pool import RankFeed, RankingPool
from platform_api.tables import Account

log = structlog.get_logger("agora.feed")


class FeedRefresher:
    def __init__(self, settings: Settings, pipeline: HomeFeedPipeline, cache: RankedPageCache, *,
                 workers: int = 1, max_pending: int = 64, pool: RankingPool | None = None):
        self.settings = settings
        self.rank = RankFeed(settings, pipeline, pool, background=True)
        self.cache = cache
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feed-refresh")
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()

    def request(self, viewer_id: int, ranker_alias: str = "champion") -> bool:
        """Queue a refresh of the viewer's list; False if one is already under way or the queue is full."""
        with self._lock:
            if viewer_id in self._in_flight:
                FEED_REFRESHES.labels("coalesced").inc()
                return False
            if len(self._in_flight) >= self.max_pending:
                FEED_REFRESHES.labels("dropped").inc()
                return False
            self._in_flight.add(viewer_id)
        if not self.cache.claim_refresh(viewer_id):          # another API worker is refreshing it
            with self._lock:
                self._in_flight.discard(viewer_id)
            FEED_REFRESHES.labels("coalesced").inc()
            return False
        self._pool.submit(self._refresh, viewer_id, ranker_alias)
        return True

    def _refresh(self, viewer_id: int, ranker_alias: str) -> None:
        try:
            with session_scope(self.settings) as session:
                viewer = session.get(Account, viewer_id)
                if viewer is None:
                    return
                ranked = self.rank(session, viewer, ranker_alias)
            if ranked.ranking == "model":      # a fallback order is not worth keeping: the stale list is better
                self.cache.put(viewer_id, ranked)
            FEED_REFRESHES.labels("done" if ranked.ranking == "model" else "fallback").inc()
        except Exception:  # noqa: BLE001 - a background refresh never fails a request
            FEED_REFRESHES.labels("failed").inc()
            log.exception("feed_refresh_failed", viewer=viewer_id)
        finally:
            with self._lock:
                self._in_flight.discard(viewer_id)

    def wait_idle(self, timeout: float = 10) -> bool:
        """True once nothing is queued or running (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._in_flight:
                    return True
            time.sleep(0.01)
        return False
