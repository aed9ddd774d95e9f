"""The ranked-list cache shared through the real Redis (127.0.0.1:6379, a throwaway key prefix):
two API workers see one list and only one of them refreshes it; with Redis unreachable each
falls back to its own in-process cache and nothing fails."""

from __future__ import annotations

import uuid

import pytest
import redis

from agora.processes import free_port
from platform_api.feed.page_cache import RankedPageCache
from platform_api.feed.pipeline import RankedFeed
from platform_api.feed.shared_page_cache import RedisRankedPageCache
from platform_api.redis_client import get_redis

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


@pytest.fixture
def prefix(client):
    prefix = f"agora-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _feed(ids: list[int]) -> RankedFeed:
    return RankedFeed(ids, {i: {"score": 1.0 / (n + 1), "model": "ranker/1", "why": ["you follow @bo"],
                                "source": "in_network"} for n, i in enumerate(ids)}, "model", "ranker/1", len(ids))


def _worker(client, prefix, refresh_seconds=60):
    return RedisRankedPageCache(client, prefix, RankedPageCache(600, refresh_seconds))


def test_two_workers_share_one_list(client, prefix):
    a, b = _worker(client, prefix), _worker(client, prefix)
    a.put(7, _feed([30, 20, 10]))
    found = b.lookup(7)
    assert found.state == "hit"
    assert found.value.status_ids == [30, 20, 10] and found.value.extras[20]["why"] == ["you follow @bo"]
    assert 0 < client.ttl(f"{prefix}feed:ranked:7") <= 600
    b.forget(7)
    assert a.lookup(7) is None


def test_a_replaced_list_stays_for_paging_and_one_worker_claims_the_refresh(client, prefix):
    a, b = _worker(client, prefix, refresh_seconds=0), _worker(client, prefix, refresh_seconds=0)
    a.put(7, _feed([30, 20]))
    assert b.lookup(7).state == "stale"
    assert a.claim_refresh(7) is True and b.claim_refresh(7) is False
    b.put(7, _feed([40, 30]))                                       # the refresh lands and releases the claim
    assert [f.status_ids for f in a.lists(7)] == [[40, 30], [30, 20]]
    assert a.lookup(7).value.extras[40]["why"] == ["you follow @bo"]
    assert 0 < client.ttl(f"{prefix}feed:ranked-previous:7") <= 600
    assert a.claim_refresh(7) is True
    a.forget(7)
    assert list(a.lists(7)) == [] and client.exists(f"{prefix}feed:ranked:7", f"{prefix}feed:ranked-previous:7") == 0


def test_an_unreachable_redis_falls_back_to_the_workers_own_cache(prefix):
    dead = get_redis(f"redis://127.0.0.1:{free_port()}/0")   # the API's client: one quick retry, then the fallback
    cache = _worker(dead, prefix)
    assert cache.lookup(7) is None
    cache.put(7, _feed([30, 20]))
    assert cache.lookup(7).value.status_ids == [30, 20]
    assert [f.status_ids for f in cache.lists(7)] == [[30, 20]]
    assert cache.claim_refresh(7) is True
    cache.forget(7)
    assert cache.lookup(7) is None
