"""Hybrid fan-out into home feeds, through the one ``home_feed_store`` interface: the
database table on SQLite, PostgreSQL and MariaDB, and sorted sets on the real Redis
(127.0.0.1:6379, a throwaway key prefix). Authors below the threshold are pushed, authors
above it pulled at read time; deletes and unfollows take entries out again; reblogs reach
only followers who want reblogs; an unreachable Redis loses nothing."""

from __future__ import annotations

import uuid

import pytest
import redis
from sqlalchemy import func, select

from agora.settings import reset_settings_cache
from platform_api.db import create_schema, session_scope
from platform_api.home_feed_store import DbHomeFeedStore, RedisHomeFeedStore, home_feed_store
from platform_api.redis_client import get_redis
from platform_api.schemas import StatusCreate
from platform_api.services.delete_status import DeleteStatus
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.services.follow_account import FollowAccount, UnfollowAccount
from platform_api.services.post_status import PostStatus
from platform_api.services.reblog_status import ReblogStatus
from platform_api.services.register_account import RegisterAccount
from platform_api.tables import Account, HomeFeedEntry, Status
from platform_api.timelines import HomeTimeline

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_prefix(agora_home, monkeypatch):
    """Point settings at the real Redis under a throwaway prefix (request it before ``settings``)."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"agora-test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("AGORA_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("AGORA_REDIS_KEY_PREFIX", prefix)
    reset_settings_cache()
    yield prefix
    client = get_redis(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _world(settings, threshold: int = 3):
    settings.fanout_threshold = threshold
    create_schema(settings)
    with session_scope(settings) as session:
        names = ("viewer", "small", "big", "fan1", "fan2", "quiet")
        people = {n: RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                              password_hash="-").id
                  for n in names}
    with session_scope(settings) as session:
        follow = FollowAccount(session)

        def acct(name):
            return session.get(Account, people[name])

        follow(acct("viewer"), acct("small"))
        for fan in ("viewer", "fan1", "fan2"):
            follow(acct(fan), acct("big"))  # three followers: at the threshold, so pulled
        follow(acct("quiet"), acct("viewer"), reblogs=False)
    return people


def post(settings, author_id: int, text: str, **kw) -> int:
    with session_scope(settings) as session:
        status = PostStatus(session, settings)(session.get(Account, author_id), StatusCreate(status=text, **kw))
    with session_scope(settings) as session:
        FanOutOnWrite(session, settings)(status.id)
    return status.id


def home(settings, account_id: int, **kw) -> list[int]:
    with session_scope(settings) as session:
        return [s.id for s in HomeTimeline(session, settings)(session.get(Account, account_id), **kw)]


def pushed(settings, account_id: int) -> list[int]:
    with session_scope(settings) as session:
        return home_feed_store(session, settings).status_ids(account_id=account_id)


def exercise(settings, people) -> None:
    """The same story on any store: push vs pull, order, paging, reblogs, deletes, unfollows."""
    s1 = post(settings, people["small"], "small one")
    b1 = post(settings, people["big"], "big one")
    s2 = post(settings, people["small"], "small two")
    b2 = post(settings, people["big"], "big two")
    post(settings, people["small"], "small direct", visibility="direct")

    assert home(settings, people["viewer"]) == [b2, s2, b1, s1]
    assert home(settings, people["viewer"], limit=2) == [b2, s2]
    assert home(settings, people["viewer"], max_id=s2) == [b1, s1]
    assert home(settings, people["viewer"], min_id=s1, limit=2) == [s2, b1]
    assert home(settings, people["viewer"], since_id=b1) == [b2, s2]
    assert set(pushed(settings, people["viewer"])) == {s1, s2}  # big's posts are pulled, not pushed
    assert set(pushed(settings, people["big"])) == {b1, b2}  # the author always gets their own

    with session_scope(settings) as session:
        reblog = ReblogStatus(session, settings)(session.get(Account, people["viewer"]),
                                                 session.get(Status, s1))
    with session_scope(settings) as session:
        FanOutOnWrite(session, settings)(reblog.id)
    assert reblog.id in pushed(settings, people["viewer"])
    assert reblog.id not in pushed(settings, people["quiet"])  # follows the viewer, but without reblogs

    with session_scope(settings) as session:
        DeleteStatus(session, settings)(session.get(Account, people["small"]), session.get(Status, s1))
    assert s1 not in pushed(settings, people["viewer"]) and reblog.id not in pushed(settings, people["viewer"])
    assert home(settings, people["viewer"]) == [b2, s2, b1]

    with session_scope(settings) as session:
        UnfollowAccount(session)(session.get(Account, people["viewer"]), session.get(Account, people["small"]))
    assert home(settings, people["viewer"]) == [b2, b1]


def test_database_store(database_url, settings):
    people = _world(settings)
    exercise(settings, people)
    with session_scope(settings) as session:
        assert isinstance(home_feed_store(session, settings), DbHomeFeedStore)
        assert session.scalar(select(func.count()).select_from(HomeFeedEntry)
                              .where(HomeFeedEntry.account_id == people["big"])) == 2


def test_redis_store(redis_prefix, settings):
    people = _world(settings)
    exercise(settings, people)
    client = get_redis(REDIS_URL)
    with session_scope(settings) as session:
        assert isinstance(home_feed_store(session, settings), RedisHomeFeedStore)
        assert session.scalar(select(func.count()).select_from(HomeFeedEntry)) == 0  # all of it went to Redis
    assert client.zcard(f"{redis_prefix}feed:home:{people['big']}") == 2


def test_redis_feed_is_capped_and_ordered_exactly(redis_prefix, settings):
    create_schema(settings)
    client = get_redis(REDIS_URL)
    with session_scope(settings) as session:
        store = RedisHomeFeedStore(session, client, redis_prefix, cap=5)
        base = 117_000_000_000_000_000  # beyond 2**53: a double score would round these ids
        for offset in range(8):
            store.push(status_id=base + offset, author_id=7, account_ids=[1])
        assert store.status_ids(account_id=1) == [base + o for o in range(7, 2, -1)]
        assert store.status_ids(account_id=1, max_id=base + 6, limit=2) == [base + 5, base + 4]
        store.remove_author_from(account_id=1, author_id=7)
        assert store.status_ids(account_id=1) == []


def test_unreachable_redis_falls_back_to_the_database(monkeypatch, settings):
    monkeypatch.setenv("AGORA_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    settings.redis_url = "redis://127.0.0.1:1/0"
    people = _world(settings)
    s1 = post(settings, people["small"], "still delivered")
    assert home(settings, people["viewer"]) == [s1]
    with session_scope(settings) as session:
        assert session.scalar(select(HomeFeedEntry.status_id).where(
            HomeFeedEntry.account_id == people["viewer"])) == s1
