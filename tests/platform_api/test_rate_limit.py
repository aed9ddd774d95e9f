"""Request admission on a real server: Mastodon's rate-limit headers and 429 (seen through
Mastodon.py), separate buckets per token and per IP, 413 for oversized bodies, and the Redis
counter with its in-process fallback."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest
import redis
import uvicorn
from conftest import wait_for
from mastodon import Mastodon, MastodonRatelimitError

from agora.processes import free_port
from platform_api import rate_limit
from platform_api.db import session_scope
from platform_api.main import create_app
from platform_api.rate_limit import MemoryCounterStore, RedisCounterStore
from platform_api.redis_client import get_redis
from platform_api.services.issue_token import IssueToken
from platform_api.services.register_account import RegisterAccount

LIMIT = 4


@contextmanager
def serving(app):
    """The app behind a real uvicorn server in a thread (the rate limit keys on real client IPs)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(f"http://127.0.0.1:{port}/health", 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def token(settings, username: str) -> str:
    with session_scope(settings) as s:
        account = RegisterAccount(s)(username=username, email=f"{username}@example.org", password="not-checked",
                                     password_hash="unused")
        secret, _ = IssueToken(s)(application=None, account=account, scopes="read write")
    return secret


def test_rate_limits_per_token_and_per_ip(settings):
    limited = settings.model_copy(update={"rate_limit_requests": LIMIT})
    with serving(create_app(limited)) as base:
        ann, ben = token(limited, "ann"), token(limited, "ben")
        api = Mastodon(access_token=ann, api_base_url=base, ratelimit_method="throw")
        for _ in range(LIMIT):
            api.me()
        assert (api.ratelimit_limit, api.ratelimit_remaining) == (LIMIT, 0)
        with pytest.raises(MastodonRatelimitError):
            api.me()

        refused = httpx.get(f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {ann}"})
        assert refused.status_code == 429 and refused.json() == {"error": "Too many requests"}
        reset = datetime.strptime(refused.headers["X-RateLimit-Reset"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert 0 < (reset - datetime.now(UTC)).total_seconds() <= limited.rate_limit_window_seconds
        assert 1 <= int(refused.headers["Retry-After"]) <= limited.rate_limit_window_seconds

        fresh = httpx.get(f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {ben}"})
        assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)

        # Made-up tokens buy nothing: they count against the IP, like requests without a token.
        for i in range(LIMIT):
            bogus = httpx.get(f"{base}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer x{i}"})
            assert bogus.status_code == 401 and bogus.headers["X-RateLimit-Remaining"] == str(LIMIT - 1 - i)
        assert httpx.get(f"{base}/api/v1/instance").status_code == 429
        assert httpx.get(f"{base}/health").status_code == 200  # only API and OAuth paths are limited
        assert httpx.get(f"{base}/media/nothing.png").status_code == 404


def test_oversized_bodies_get_413(settings):
    from fastapi.testclient import TestClient

    small = settings.model_copy(update={"max_request_bytes": 1000})
    with TestClient(create_app(small), base_url="http://127.0.0.1:8000") as client:
        response = client.post("/api/v1/apps", data={"client_name": "x" * 2000})
        assert response.status_code == 413 and "limit is 1000 bytes" in response.json()["error"]

        def chunks():  # no Content-Length: the cap applies while the body streams in
            for _ in range(4):
                yield b"client_name=" + b"y" * 400

        response = client.post("/api/v1/apps", content=chunks(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413 and "error" in response.json()
        assert client.post("/api/v1/apps", data={"client_name": "fits"}).status_code == 200


def test_memory_counters_start_over_when_the_window_ends(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(rate_limit.time, "monotonic", lambda: now[0])
    store = MemoryCounterStore()
    assert [store.hit("k", 10) for _ in range(3)] == [1, 2, 3]
    now[0] += 10
    assert store.hit("k", 10) == 1


@pytest.mark.redis
def test_redis_counters_and_fallback_when_redis_is_down():
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("redis server is not running on 127.0.0.1:6379")
    prefix = f"agora-test-{uuid.uuid4().hex[:8]}:"
    store = RedisCounterStore(client, prefix, MemoryCounterStore())
    try:
        assert [store.hit("bucket:1", 30) for _ in range(3)] == [1, 2, 3]
        assert 0 < client.ttl(prefix + "bucket:1") <= 30
    finally:
        client.delete(prefix + "bucket:1")

    dead = get_redis(f"redis://127.0.0.1:{free_port()}/0")   # the API's client: one quick retry, then the fallback
    fallback = MemoryCounterStore()
    degraded = RedisCounterStore(dead, prefix, fallback)
    assert [degraded.hit("bucket:1", 30) for _ in range(3)] == [1, 2, 3]  # counted in-process meanwhile
    assert fallback.hit("bucket:1", 30) == 4
