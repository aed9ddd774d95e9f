"""The ranked-list cache shared through Redis (``AGORA_REDIS_URL``), so every API worker serves
the list any of them computed and only one of them refreshes it. Same freshness rules as the
in-process ``RankedPageCache`` (see there). While Redis is unreachable it degrades to that
in-process cache: each worker then keeps its own lists, and nothing fails.

Per viewer, ``<prefix>feed:ranked:<viewer id>`` holds JSON ``{"at": epoch seconds, "list": …}``
and ``<prefix>feed:ranked-previous:<viewer id>`` the entry it replaced (kept for paging), copied
as it was and both expiring with the TTL: a first page decodes one list, a later page the second
only when its ``max_id`` is not in the first. A refresh claim is
``<prefix>feed:ranked-refresh:<viewer id>`` (``SET NX``, expiring on its own)."""

from __future__ import annotations

import json
import time
from dataclasses import fields

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
    """The feed's fields as they are, for ``json.dumps`` (``asdict`` deep-copies every item's
    dict first: 7 ms of a put against 1)."""
    return {f.name: getattr(feed, f.name) for f in fields(feed)}


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

    def _previous_key(self, viewer_id: int) -> str:
        return f"{self.prefix}feed:ranked-previous:{viewer_id}"

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

    def lists(self, viewer_id: int):
        """The current list, then the one it replaced, each decoded only when the caller iterates
        that far; not counted."""
        try:
            raws = self.client.mget([self._key(viewer_id), self._previous_key(viewer_id)])
        except redis.RedisError:
            return self.fallback.lists(viewer_id)
        return (_decode(json.loads(raw)["list"]) for raw in raws if raw)

    def put(self, viewer_id: int, value: RankedFeed) -> None:
        if self.ttl <= 0:
            return
        try:
            ttl = max(1, int(self.ttl))
            replaced = self.client.get(self._key(viewer_id))
            with self.client.pipeline(transaction=False) as pipe:
                if replaced:
                    pipe.set(self._previous_key(viewer_id), replaced, ex=ttl)
                pipe.set(self._key(viewer_id), json.dumps({"at": time.time(), "list": _encode(value)}), ex=ttl)
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
            self.client.delete(self._key(viewer_id), self._previous_key(viewer_id))
        except redis.RedisError as exc:
            log.warning("feed_cache_redis_unavailable", op="forget", error=str(exc))


def ranked_page_cache(settings: Settings) -> RankedPageCache | RedisRankedPageCache:
    """Shared through Redis when ``redis_url`` is set, in-process otherwise."""
    local = RankedPageCache(settings.feed_cache_seconds, settings.feed_refresh_seconds)
    if not settings.redis_url:
        return local
    return RedisRankedPageCache(get_redis(settings.redis_url), settings.redis_key_prefix, local)
