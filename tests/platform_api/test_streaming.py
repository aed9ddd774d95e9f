"""The streaming hub: in-process delivery with each viewer's blocks and mutes applied, Redis
pub/sub shared by several hubs (API workers) with presence, the fall-back to in-process
delivery while Redis is unreachable — and two real API processes sharing one Redis, where a
``stream_user`` listener on one hears a post made through the other."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
import redis
from conftest import REPO_ROOT, free_port, wait_for
from mastodon import Mastodon, StreamListener

from agora.settings import Settings
from platform_api.db import create_schema, session_scope
from platform_api.redis_client import get_redis
from platform_api.services.register_account import RegisterAccount
from platform_api.streaming import channels
from platform_api.streaming.channels import StreamError, resolve
from platform_api.streaming.connection import StreamConnection
from platform_api.schemas import StatusCreate
from platform_api.services.post_status import PostStatus
from platform_api.streaming.deliveries import DeliverStatus
from platform_api.streaming.hub import LocalHub, RedisHub, deactivate
from platform_api.streaming.presence import RedisPresence
from platform_api.tables import Account, Block, Follow, Mute

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")


@pytest.fixture
def prefix():
    value = f"agora-test-{uuid.uuid4().hex[:8]}:"
    yield value
    if _redis_up():
        client = get_redis(REDIS_URL)
        keys = list(client.scan_iter(f"{value}*"))
        if keys:
            client.delete(*keys)


def update(status_id: int, *account_ids: int) -> dict:
    return {"event": "update", "payload": f'{{"id": "{status_id}"}}', "account_ids": list(account_ids)}


async def drain(connection: StreamConnection, timeout: float = 0.5) -> list[dict]:
    received = []
    while (item := await connection.next(timeout)) is not None:
        received.append(item[1])
    return received


def test_channels_resolve_mastodon_stream_names():
    assert resolve("user", 7).channels == (channels.user(7),)
    assert resolve("public", None, only_media=True).label == ("public:media",)
    assert resolve("hashtag", None, tag="#Python").label == ("hashtag", "Python")
    assert resolve("hashtag", None, tag="Python").channels == ("timeline:hashtag:python",)
    assert resolve("public:remote", None).channels == ()  # valid, and silent: every account is local
    for bad, kwargs in (("user", {}), ("hashtag", {"tag": ""}), ("list", {})):
        with pytest.raises(StreamError):
            resolve(bad, None, **kwargs)


def test_in_process_hub_applies_each_viewers_blocks_and_mutes(settings):
    create_schema(settings)
    with session_scope(settings) as session:
        ana, bo, cy = (RegisterAccount(session)(username=n, email=f"{n}@example.org", password="correct horse",
                                                password_hash="-").id for n in ("ana", "bo", "cy"))
        session.add(Block(account_id=ana, target_account_id=bo))
        session.add(Mute(account_id=ana, target_account_id=cy))
    hub = LocalHub(settings)

    async def scenario():
        with StreamConnection(hub, ana) as viewer, StreamConnection(hub, None) as anonymous:
            for connection in (viewer, anonymous):
                connection.subscribe(resolve("public", None))
            assert hub.presence.online([ana, bo]) == {ana}
            publisher = threading.Thread(target=lambda: [
                hub.publish(channels.public(), update(1, bo)),       # by someone ana blocked
                hub.publish(channels.public(), update(2, 99, cy)),   # mentions someone ana muted
                hub.publish(channels.public(), update(3, 99)),
                hub.publish(channels.user(ana), update(4, 99)),      # a channel neither subscribed to
            ])
            publisher.start()
            publisher.join()
            seen = [m["payload"] for m in await drain(viewer)]
            everyone = [m["payload"] for m in await drain(anonymous)]
            return seen, everyone

    seen, everyone = asyncio.run(scenario())
    assert seen == ['{"id": "3"}']
    assert everyone == ['{"id": "1"}', '{"id": "2"}', '{"id": "3"}']
    assert hub.presence.online([ana]) == set()  # closed: offline


@needs_redis
def test_redis_hubs_share_events_and_presence(settings, prefix):
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_key_prefix": prefix,
                                         "stream_heartbeat_seconds": 1.0})
    worker_a, worker_b = RedisHub(shared, get_redis(REDIS_URL)), RedisHub(shared, get_redis(REDIS_URL))
    worker_a.start()
    worker_b.start()
    try:
        assert worker_a.listening.is_set() and worker_b.listening.is_set()

        async def scenario():
            with StreamConnection(worker_b, None) as listener:
                listener.subscribe(resolve("hashtag", None, tag="redis"))
                worker_a.publish(channels.hashtag("redis"), update(42))
                worker_a.publish(channels.hashtag("other"), update(43))
                return await drain(listener, timeout=1.0)

        assert [m["payload"] for m in asyncio.run(scenario())] == ['{"id": "42"}']

        worker_a.presence.connect(5)
        assert worker_b.presence.online([5, 6]) == {5}
        worker_a.presence.disconnect(5)
        assert worker_b.presence.online([5]) == set()
    finally:
        worker_a.stop()
        worker_b.stop()


@needs_redis
def test_redis_presence_spans_workers_and_lapses(prefix):
    client = get_redis(REDIS_URL)
    worker_a, worker_b = RedisPresence(client, prefix, 60), RedisPresence(client, prefix, 60)
    worker_a.connect(5)
    worker_b.connect(5)
    worker_a.disconnect(5)
    assert worker_a.online([5]) == {5}  # worker b still has a stream open for 5
    worker_b.disconnect(5)
    assert worker_a.online([5]) == set()

    crashed = RedisPresence(client, prefix, 0.3)  # a worker that dies with a stream open
    crashed.connect(7)
    worker_a.CHUNK = 2  # several ZMSCORE chunks in one question
    assert worker_a.online([1, 2, 3, 7, 8]) == {7}
    time.sleep(0.5)
    assert worker_a.online([1, 2, 3, 7, 8]) == set()


@pytest.mark.parametrize("backend", ["in_process", "redis"])
@pytest.mark.parametrize("counted_followers", [0, 39], ids=["asks_about_followers", "asks_among_online"])
def test_status_reaches_only_online_followers_user_streams(settings, prefix, backend, counted_followers):
    """Delivery asks presence from the smaller side: the followers (fewer than the accounts
    online), or the accounts online (fewer than the followers); the audience is the same."""
    if backend == "redis" and not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    create_schema(settings)
    with session_scope(settings) as session:
        author, *followers = (RegisterAccount(session)(username=f"u{i}", email=f"u{i}@example.org",
                                                       password="correct horse", password_hash="-").id
                              for i in range(40))
        session.add_all(Follow(account_id=f, target_account_id=author) for f in followers)
        session.get(Account, author).followers_count = counted_followers
    online, offline = followers[0], followers[1:]
    if backend == "redis":
        shared = settings.model_copy(update={"redis_url": REDIS_URL, "redis_key_prefix": prefix})
        hub = RedisHub(shared, get_redis(REDIS_URL))
    else:
        hub = LocalHub(settings)
    hub.start()

    async def scenario():
        with StreamConnection(hub, online) as reader:
            reader.subscribe(resolve("user", online))
            with session_scope(settings) as session:
                status = PostStatus(session, settings)(session.get(Account, author),
                                                       StatusCreate(status="hello followers", visibility="private"))
                published = DeliverStatus(session, settings, hub)(status.id)
            return published, await drain(reader, timeout=1.0)

    try:
        published, received = asyncio.run(scenario())
    finally:
        hub.stop()
    assert published == 1  # one user stream: the online follower's; none for the 38 offline ones
    assert [m["event"] for m in received] == ["update"]
    assert hub.presence.online(offline) == set()


def test_unreachable_redis_degrades_to_in_process_delivery(settings, prefix):
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0", "redis_key_prefix": prefix})
    hub = RedisHub(down, get_redis(down.redis_url))
    hub.start()
    try:
        assert not hub.listening.is_set()

        async def scenario():
            with StreamConnection(hub, None) as listener:
                listener.subscribe(resolve("public", None))
                hub.publish(channels.public(), update(7))
                return await drain(listener)

        assert [m["payload"] for m in asyncio.run(scenario())] == ['{"id": "7"}']
        hub.presence.connect(9)
        assert hub.presence.online([9]) == {9}
    finally:
        hub.stop()


class Updates(StreamListener):
    def __init__(self):
        self.statuses = []

    def on_update(self, status):
        self.statuses.append(status)


@needs_redis
def test_two_api_workers_share_streams_through_redis(tmp_path, prefix):
    """Worker a is ``agora serve api`` in a subprocess; worker b is the same app in this process
    (a TestClient): one database, one Redis. Alice streams from a; Bob posts through b."""
    from fastapi.testclient import TestClient

    from platform_api.main import create_app

    home = tmp_path / "agora_home"
    env = {k: v for k, v in os.environ.items() if k not in ("AGORA_DATABASE_URL", "AGORA_MLFLOW_TRACKING_URI")}
    port = free_port()
    env.update(AGORA_HOME=str(home), AGORA_REDIS_URL=REDIS_URL, AGORA_REDIS_KEY_PREFIX=prefix,
               AGORA_API_PORT=str(port), AGORA_SERVING_PORT=str(free_port()), AGORA_FEED_CACHE_SECONDS="0",
               AGORA_STREAM_HEARTBEAT_SECONDS="1")
    worker_b_settings = Settings(home=home, redis_url=REDIS_URL, redis_key_prefix=prefix, feed_cache_seconds=0,
                                 stream_heartbeat_seconds=1.0)
    create_schema(worker_b_settings)  # before worker a starts, so the two never race to create it
    worker_a = subprocess.Popen([sys.executable, "-m", "agora.cli", "serve", "api"], cwd=REPO_ROOT, env=env,
                                stdout=open(tmp_path / "api-a.log", "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with TestClient(create_app(worker_b_settings), base_url="http://127.0.0.1:8000") as worker_b:
            wait_for(f"{base}/health", 60, worker_a)
            app = Mastodon.create_app("agora-two-workers", scopes=["read", "write", "follow"], api_base_url=base)
            alice = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=base)
            alice.create_account("alice", "correct horse battery", "alice@example.org", agreement=True,
                                 scopes=["read", "write", "follow"])
            bob = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=base)
            bob_token = bob.create_account("bob", "correct horse battery", "bob@example.org", agreement=True,
                                           scopes=["read", "write", "follow"])
            alice.account_follow(bob.me()["id"])
            as_bob = {"Authorization": f"Bearer {bob_token}"}
            listener = Updates()
            handle = alice.stream_user(listener, run_async=True)  # on worker a
            try:
                alice_id = alice.me()["id"]
                deadline = time.time() + 10
                while time.time() < deadline:  # worker b sees alice online through Redis
                    presence = worker_b.get("/api/v1/agora/presence", params={"id[]": alice_id}, headers=as_bob)
                    if presence.json()[0]["online"]:
                        break
                    time.sleep(0.1)
                assert presence.json()[0]["online"]
                posted = worker_b.post("/api/v1/statuses", headers=as_bob, data={"status": "posted through b"})
                assert posted.status_code == 200, posted.text
                deadline = time.time() + 10
                while time.time() < deadline and not listener.statuses:
                    time.sleep(0.05)
                assert [str(s["id"]) for s in listener.statuses] == [posted.json()["id"]]
            finally:
                handle.close()
    finally:
        deactivate()
        worker_a.terminate()
        try:
            worker_a.wait(10)
        except subprocess.TimeoutExpired:
            worker_a.kill()
