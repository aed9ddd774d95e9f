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

    def count(self) -> int:
        """How many accounts are online (to choose the cheaper side of an audience question)."""
        with self._lock:
            return len(self._open)

    def everyone(self) -> set[int]:
        with self._lock:
            return set(self._open)


class RedisPresence(LocalPresence):
    """Shared across workers: ``presence:<account>`` is a sorted set of worker ids scored by
    when their claim lapses. A worker refreshes its claim on heartbeats and drops it when its
    last stream for that account closes; a crashed worker's claim lapses by itself.

    ``presence:online`` mirrors, per account, the latest lapse time of any worker's claim, so
    that asking about a 100k-follower audience is one ``ZMSCORE`` per chunk rather than one
    command per account."""

    #: Accounts asked about per ``ZMSCORE`` (keeps each command and reply a few hundred KB).
    CHUNK = 10_000
    #: Drop the worker's claim; re-state the account's lapse as the latest remaining claim, or
    #: forget the account when none remains (atomic, so a concurrent claim is not lost).
    _RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
local latest = redis.call('ZRANGE', KEYS[1], '+inf', ARGV[2], 'BYSCORE', 'REV', 'LIMIT', 0, 1, 'WITHSCORES')
if #latest == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
else
  redis.call('ZADD', KEYS[2], latest[2], ARGV[3])
end
return #latest
"""

    def __init__(self, client: redis.Redis, prefix: str, ttl_seconds: float):
        super().__init__()
        self.client = client
        self.prefix = prefix
        self.ttl = ttl_seconds
        self.worker = uuid.uuid4().hex
        self._online_key = f"{prefix}presence:online"
        self._release = client.register_script(self._RELEASE)

    def _key(self, account_id: int) -> str:
        return f"{self.prefix}presence:{account_id}"

    def _claim(self, account_id: int) -> None:
        try:
            key, now = self._key(account_id), time.time()
            with self.client.pipeline(transaction=False) as pipe:
                pipe.zadd(key, {self.worker: now + self.ttl})
                pipe.expire(key, int(self.ttl) + 60)
                pipe.zadd(self._online_key, {str(account_id): now + self.ttl}, gt=True)
                pipe.zremrangebyscore(self._online_key, "-inf", now)  # lapsed claims of crashed workers
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
                self._release(keys=[self._key(account_id), self._online_key],
                              args=[self.worker, time.time(), str(account_id)])
            except redis.RedisError as exc:
                log.warning("presence_redis_unavailable", error=str(exc))

    def online(self, account_ids: Iterable[int]) -> set[int]:
        ids = list(dict.fromkeys(account_ids))
        if not ids:
            return set()
        try:
            now = time.time()
            with self.client.pipeline(transaction=False) as pipe:
                for start in range(0, len(ids), self.CHUNK):
                    pipe.zmscore(self._online_key, [str(a) for a in ids[start:start + self.CHUNK]])
                scores = [score for chunk in pipe.execute() for score in chunk]
            return {a for a, lapse in zip(ids, scores) if lapse is not None and lapse > now} | super().online(ids)
        except redis.RedisError as exc:
            log.warning("presence_redis_unavailable", error=str(exc))
            return super().online(ids)

    def count(self) -> int:
        try:
            return max(int(self.client.zcount(self._online_key, time.time(), "+inf")), super().count())
        except redis.RedisError as exc:
            log.warning("presence_redis_unavailable", error=str(exc))
            return super().count()

    def everyone(self) -> set[int]:
        try:
            online = self.client.zrangebyscore(self._online_key, time.time(), "+inf")
            return {int(a) for a in online} | super().everyone()
        except redis.RedisError as exc:
            log.warning("presence_redis_unavailable", error=str(exc))
            return super().everyone()
