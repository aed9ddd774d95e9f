"""The ranked-list cache shared through Redis (``AGORA_REDIS_URL``), so every API worker serves
the list any of them computed and only one of them refreshes it. Same freshness rules as the
in-process ``RankedPageCache`` (see there). While Redis is unreachable it degrades to that
in-process cache: each worker then keeps its own lists, and nothing fails.

One key per viewer, ``<prefix>feed:ranked:<viewer id>``, holding JSON
``{"at": epoch seconds, "list": …, "previous": …}`` and expiring with the TTL; a refresh claim is
``<prefix>feed:ranked-refresh:<viewer id>`` (``SET NX``, expiring on its own)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import redis
import structlog

from agora.settings import Settings
from platform_api.feed.metrics import FEED_CACHE
from platform_api.feed.page_cache import Cached, RankedPageCache
from platform_api.feed.pipeline import RankedFeed
from platform_api.redis_client import get_redis

log = structlog.get_logger("agora.feed")
CLAIM_SECONDS = 30     # a worker that died mid-refresh holds the claim no longer than this


def _encode(feed: RankedFeed) -> dict:
    return asdict(feed)


def _decode(data: dict) -> RankedFeed:
    data = dict(data, extras={int(k): v for k, v in data["extras"].items()})   # JSON keys are strings
    return RankedFeed(**data)


class RedisRankedPageCache:
    def __init__(self, client: redis.Redis, prefix: str, fallback: RankedPageCache):
        self.client = client
        self.prefix = prefix
        self.fallback = fallback
        self.ttl = fallback.ttl
        self.refresh = fallback.refresh

    def _key(self, viewer_id: int) -> str:
        return f"{self.prefix}feed:ranked:{viewer_id}"

    def _entry(self, viewer_id: int) -> dict | None:
        raw = self.client.get(self._key(viewer_id))
        return json.loads(raw) if raw else None

    def lookup(self, viewer_id: int) -> Cached | None:
        try:
            entry = self._entry(viewer_id)
        except redis.RedisError as exc:
            log.warning("feed_cache_redis_unavailable", op="lookup", error=str(exc))
            return self.fallback.lookup(viewer_id)
        if entry is None:
            FEED_CACHE.labels("miss").inc()
            return None
        state = "hit" if time.time() - entry["at"] < self.refresh else "stale"
        FEED_CACHE.labels(state).inc()
        return Cached(_decode(entry["list"]), state)

    def get(self, viewer_id: int):
        found = self.lookup(viewer_id)
        return found.value if found else None

    def lists(self, viewer_id: int) -> list:
        try:
            entry = self._entry(viewer_id)
        except redis.RedisError:
            return self.fallback.lists(viewer_id)
        if entry is None:
            return []
        return [_decode(entry[k]) for k in ("list", "previous") if entry.get(k)]

    def put(self, viewer_id: int, value: RankedFeed) -> None:
        if self.ttl <= 0:
            return
        try:
            old = self._entry(viewer_id)
            entry = {"at": time.time(), "list": _encode(value), "previous": old["list"] if old else None}
            with self.client.pipeline(transaction=False) as pipe:
                pipe.set(self._key(viewer_id), json.dumps(entry), ex=max(1, int(self.ttl)))
                pipe.delete(f"{self.prefix}feed:ranked-refresh:{viewer_id}")
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("feed_cache_redis_unavailable", op="put", error=str(exc))
            self.fallback.put(viewer_id, value)

    def claim_refresh(self, viewer_id: int) -> bool:
        """True if this worker should refresh the viewer's list (no other worker is doing it)."""
        try:
            return bool(self.client.set(f"{self.prefix}feed:ranked-refresh:{viewer_id}", 1, nx=True,
                                        ex=CLAIM_SECONDS))
        except redis.RedisError:
            return True

    def forget(self, viewer_id: int) -> None:
        self.fallback.forget(viewer_id)
        try:
            self.client.delete(self._key(viewer_id))
        except redis.RedisError as exc:
            log.warning("feed_cache_redis_unavailable", op="forget", error=str(exc))


def ranked_page_cache(settings: Settings) -> RankedPageCache | RedisRankedPageCache:
    """Shared through Redis when ``redis_url`` is set, in-process otherwise."""
    local = RankedPageCache(settings.feed_cache_seconds, settings.feed_refresh_seconds)
    if not settings.redis_url:
        return local
    return RedisRankedPageCache(get_redis(settings.redis_url), settings.redis_key_prefix, local)
