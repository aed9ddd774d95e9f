"""Who is online: an account is online while one of its streams is open (on any API worker)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable

import redis
import structlog

log = structlog.get_logger("agora.streaming")


class LocalPresence:
    """Open-stream counts in this process."""

    def __init__(self):
        self._open: Counter[int] = Counter()
        self._lock = threading.Lock()

    def connect(self, account_id: int) -> None:
        with self._lock:
            self._open[account_id] += 1

    def disconnect(self, account_id: int) -> None:
        with self._lock:
            self._open[account_id] -= 1
            if self._open[account_id] <= 0:
                del self._open[account_id]

    def touch(self, account_id: int) -> None:
        """Keep-alive from an open stream's heartbeat (nothing to do in-process)."""

    def online(self, account_ids: Iterable[int]) -> set[int]:
        with self._lock:
            return {a for a in account_ids if self._open.get(a, 0) > 0}


class RedisPresence(LocalPresence):
    """Shared across workers: ``presence:<account>`` is a sorted set of worker ids scored by
    when their claim lapses. A worker refreshes its claim on heartbeats and drops it when its
    last stream for that account closes; a crashed worker's claim lapses by itself."""

    def __init__(self, client: redis.Redis, prefix: str, ttl_seconds: float):
        super().__init__()
        self.client = client
        self.prefix = prefix
        self.ttl = ttl_seconds
        self.worker = uuid.uuid4().hex

    def _key(self, account_id: int) -> str:
        return f"{self.prefix}presence:{account_id}"

    def _claim(self, account_id: int) -> None:
        try:
            key = self._key(account_id)
            with self.client.pipeline(transaction=False) as pipe:
                pipe.zadd(key, {self.worker: time.time() + self.ttl})
                pipe.expire(key, int(self.ttl) + 60)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("presence_redis_unavailable", error=str(exc))

    def connect(self, account_id: int) -> None:
        super().connect(account_id)
        self._claim(account_id)

    def touch(self, account_id: int) -> None:
        self._claim(account_id)

    def disconnect(self, account_id: int) -> None:
        super().disconnect(account_id)
        if not super().online([account_id]):
            try:
                self.client.zrem(self._key(account_id), self.worker)
            except redis.RedisError as exc:
                log.warning("presence_redis_unavailable", error=str(exc))

    def online(self, account_ids: Iterable[int]) -> set[int]:
        ids = list(dict.fromkeys(account_ids))
        try:
            now = time.time()
            with self.client.pipeline(transaction=False) as pipe:
                for account_id in ids:
                    pipe.zcount(self._key(account_id), now, "+inf")
                counts = pipe.execute()
            return {a for a, n in zip(ids, counts) if n} | super().online(ids)
        except redis.RedisError as exc:
            log.warning("presence_redis_unavailable", error=str(exc))
            return super().online(ids)
