"""Each viewer's ranked list, kept so that steady traffic rarely pays the ranking (the seed's
cache-first flow) and paging through one list is stable.

Freshness: a list younger than ``refresh_seconds`` is served as is (``hit``); older but within
``ttl_seconds`` it is still served (``stale``) while the caller asks for a background refresh;
past the TTL it is gone (``miss``: the request ranks). The list holds only ids and scores:
what the page shows is re-read and re-checked for visibility at serve time, so a delete, a
block or a mute takes effect on the next request; a new post of a followee enters at the next
refresh (at most ``refresh_seconds`` plus one request later), and at once in the
chronological timeline. The list a refresh replaced is kept for paging (``max_id``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
import time
from dataclasses import dataclass

from platform_api.feed.metrics import FEED_CACHE


@dataclass(frozen=True)
class Cached:
    value: object
    state: str            # "hit" (fresh) or "stale" (serve it, refresh in the background)


class RankedPageCache:
    """In-process, per API worker; the ``max_viewers`` most recently stored lists are kept."""

    def __init__(self, ttl_seconds: float, refresh_seconds: float | None = None, max_viewers: int = 10_000):
        self.ttl = ttl_seconds
        self.refresh = ttl_seconds if refresh_seconds is None else min(refresh_seconds, ttl_seconds)
        self.max_viewers = max_viewers
        # viewer → (stored at, list, the list it replaced)
        self._entries: OrderedDict[int, tuple[float, object, object | None]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, viewer_id: int) -> Cached | None:
        """The viewer's current list and whether it is due for a refresh; counts hit/stale/miss."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(viewer_id)
            if entry is not None and now - entry[0] >= self.ttl:
                del self._entries[viewer_id]
                entry = None
        if entry is None:
            FEED_CACHE.labels("miss").inc()
            return None
        state = "hit" if now - entry[0] < self.refresh else "stale"
        FEED_CACHE.labels(state).inc()
        return Cached(entry[1], state)

    def get(self, viewer_id: int):
        found = self.lookup(viewer_id)
        return found.value if found else None

    def lists(self, viewer_id: int) -> list:
        """The current list and the one it replaced (paging may be in either), without counting."""
        with self._lock:
            entry = self._entries.get(viewer_id)
        if entry is None or time.monotonic() - entry[0] >= self.ttl:
            return []
        return [v for v in entry[1:] if v is not None]

    def put(self, viewer_id: int, value) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            old = self._entries.get(viewer_id)
            self._entries[viewer_id] = (time.monotonic(), value, old[1] if old else None)
            self._entries.move_to_end(viewer_id)
            while len(self._entries) > self.max_viewers:
                self._entries.popitem(last=False)

    def claim_refresh(self, viewer_id: int) -> bool:
        """Always: within one process the refresher's own single-flight is enough."""
        return True

    def forget(self, viewer_id: int) -> None:
        with self._lock:
            self._entries.pop(viewer_id, None)
