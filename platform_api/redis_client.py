"""One pooled Redis client per URL, shared by the home-feed store, the streaming hub and presence."""

from __future__ import annotations

import threading

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

_CLIENTS: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def get_redis(url: str) -> redis.Redis:
    with _lock:
        if url not in _CLIENTS:
            # One quick retry: callers fall back (to the database, to in-process delivery) when
            # Redis is down, so failing fast beats waiting out redis-py's default back-off.
            _CLIENTS[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1,
                                                 health_check_interval=30,
                                                 retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), 1))
        return _CLIENTS[url]
