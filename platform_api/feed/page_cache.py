"""Each viewer's ranked list, kept for a few minutes so that paging through it is stable
and cheap (the seed's cache-first flow). In-process here; shared through Redis later."""

from __future__ import annotations

import threading
import time

from platform_api.feed.metrics import FEED_CACHE


class RankedPageCache:
    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._entries: dict[int, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, viewer_id: int):
        with self._lock:
            entry = self._entries.get(viewer_id)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(viewer_id, None)
                FEED_CACHE.labels("miss").inc()
                return None
        FEED_CACHE.labels("hit").inc()
        return entry[1]

    def put(self, viewer_id: int, value) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[viewer_id] = (time.monotonic() + self.ttl, value)

    def forget(self, viewer_id: int) -> None:
        with self._lock:
            self._entries.pop(viewer_id, None)
