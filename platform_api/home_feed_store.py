"""The push half of hybrid fan-out: where each account's home feed entries are kept.

``home_feed_store(session, settings)`` answers with the Redis store when ``redis_url`` is set
(one sorted set per account, capped at ``home_feed_cap``) and with the database table
otherwise. ``FanOutOnWrite`` writes through it, ``HomeTimeline`` reads through it and
``DeleteStatus`` removes through it; nothing else knows the key layout.

Redis members are ``"<20-digit status id>:<author id>"`` with score 0, so the set sorts by
status id exactly (a double score would round 64-bit ids) and an unfollow can drop one
author's entries without asking the database."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import redis
import structlog
from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.redis_client import get_redis
from platform_api.repositories import home_feed

log = structlog.get_logger("agora.home_feed")


class HomeFeedStore(Protocol):
    #: True after a read the store could not answer in full (Redis down): the caller then pulls
    #: every followee's recent posts from the database instead of trusting the pushed entries.
    incomplete: bool

    def push(self, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> int: ...

    def status_ids(self, *, account_id: int, max_id: int | None = None, limit: int = 500) -> list[int]: ...

    def remove_status(self, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> None: ...

    def remove_author_from(self, *, account_id: int, author_id: int) -> None: ...


class DbHomeFeedStore:
    incomplete = False

    def __init__(self, session: Session):
        self.session = session

    def push(self, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> int:
        return home_feed.push(self.session, status_id=status_id, author_id=author_id, account_ids=account_ids)

    def status_ids(self, *, account_id: int, max_id: int | None = None, limit: int = 500) -> list[int]:
        return home_feed.status_ids(self.session, account_id=account_id, max_id=max_id, limit=limit)

    def remove_status(self, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> None:
        home_feed.remove_status(self.session, status_id=status_id)

    def remove_author_from(self, *, account_id: int, author_id: int) -> None:
        home_feed.remove_author_from(self.session, account_id=account_id, author_id=author_id)


def _member(status_id: int, author_id: int) -> str:
    return f"{status_id:020d}:{author_id}"


class RedisHomeFeedStore:
    """Sorted sets in Redis. The database table is still read (follow backfills land there) and
    is the fallback for writes while Redis is unreachable, so an outage loses no deliveries."""

    def __init__(self, session: Session, client: redis.Redis, prefix: str, cap: int):
        self.db = DbHomeFeedStore(session)
        self.client = client
        self.prefix = prefix
        self.cap = cap
        self.incomplete = False

    def key(self, account_id: int) -> str:
        return f"{self.prefix}feed:home:{account_id}"

    def push(self, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> int:
        recipients = list(set(account_ids))
        member = _member(status_id, author_id)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for account_id in recipients:
                    pipe.zadd(self.key(account_id), {member: 0})
                    pipe.zremrangebyrank(self.key(account_id), 0, -self.cap - 1)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("home_feed_redis_unavailable", op="push", error=str(exc))
            return self.db.push(status_id=status_id, author_id=author_id, account_ids=recipients)
        return len(recipients)

    def status_ids(self, *, account_id: int, max_id: int | None = None, limit: int = 500) -> list[int]:
        upper = f"({max_id:020d}" if max_id is not None else "+"
        try:
            members = self.client.zrevrangebylex(self.key(account_id), upper, "-", start=0, num=limit)
        except redis.RedisError as exc:
            log.warning("home_feed_redis_unavailable", op="read", error=str(exc))
            members = []
            self.incomplete = True
        cached = [int(m.split(b":", 1)[0]) for m in members]
        stored = self.db.status_ids(account_id=account_id, max_id=max_id, limit=limit)
        return sorted(set(cached) | set(stored), reverse=True)[:limit]

    def remove_status(self, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> None:
        member = _member(status_id, author_id)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for account_id in set(account_ids):
                    pipe.zrem(self.key(account_id), member)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("home_feed_redis_unavailable", op="remove", error=str(exc))
        self.db.remove_status(status_id=status_id, author_id=author_id, account_ids=account_ids)

    def remove_author_from(self, *, account_id: int, author_id: int) -> None:
        suffix = f":{author_id}".encode()
        try:
            members = [m for m in self.client.zrange(self.key(account_id), 0, -1) if m.endswith(suffix)]
            if members:
                self.client.zrem(self.key(account_id), *members)
        except redis.RedisError as exc:
            log.warning("home_feed_redis_unavailable", op="unmerge", error=str(exc))
        self.db.remove_author_from(account_id=account_id, author_id=author_id)


def home_feed_store(session: Session, settings: Settings) -> HomeFeedStore:
    if settings.redis_url:
        return RedisHomeFeedStore(session, get_redis(settings.redis_url), settings.redis_key_prefix,
                                  settings.home_feed_cap)
    return DbHomeFeedStore(session)
