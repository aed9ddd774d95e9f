"""One pooled Redis client per URL, shared by the home-feed store, the streaming hub and presence."""

from __future__ import annotations

import threading

import redis

_CLIENTS: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def get_redis(url: str) -> redis.Redis:
    with _lock:
        if url not in _CLIENTS:
            _CLIENTS[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1,
                                                 health_check_interval=30)
        return _CLIENTS[url]
