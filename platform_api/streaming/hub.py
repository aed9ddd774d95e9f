"""The pub/sub hub between publishers and open streams.

Publishers call ``hub.publish(channel, message)`` from any thread; every open connection owns
a ``Subscription`` (an asyncio queue on its event loop) subscribed to some channels.
``LocalHub`` delivers within this process. ``RedisHub`` publishes to Redis and one listener
thread per process pattern-subscribes and delivers locally, so every worker's connections
hear every worker's events; while Redis is unreachable it degrades to local delivery."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict

import redis
import structlog

from agora.settings import Settings
from platform_api.redis_client import get_redis
from platform_api.streaming.presence import LocalPresence, RedisPresence

log = structlog.get_logger("agora.streaming")

QUEUE_SIZE = 1000


class Subscription:
    """One connection's inbox. ``deliver`` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None):
        self.loop = loop or asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0

    def deliver(self, channel: str, message: dict) -> None:
        try:
            self.loop.call_soon_threadsafe(self._put, channel, message)
        except RuntimeError:  # the connection's loop is gone: it is closing
            pass

    def _put(self, channel: str, message: dict) -> None:
        if self.queue.full():
            self.dropped += 1  # a client too slow to read loses events rather than our memory
            return
        self.queue.put_nowait((channel, message))


class LocalHub:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.presence = LocalPresence()
        self._channels: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin receiving (nothing to do in-process)."""

    def stop(self) -> None:
        """Stop receiving (nothing to do in-process)."""

    def subscribe(self, subscription: Subscription, channel: str) -> None:
        with self._lock:
            self._channels[channel].add(subscription)

    def unsubscribe(self, subscription: Subscription, channel: str | None = None) -> None:
        with self._lock:
            for name in [channel] if channel else list(self._channels):
                subscribers = self._channels.get(name)
                if subscribers is not None:
                    subscribers.discard(subscription)
                    if not subscribers:
                        del self._channels[name]

    def publish(self, channel: str, message: dict) -> None:
        self.publish_many([channel], message)

    def publish_many(self, channels: list[str], message: dict) -> None:
        """The same message to several channels (one delivery's audience)."""
        for channel in channels:
            self.dispatch(channel, message)

    def dispatch(self, channel: str, message: dict) -> None:
        with self._lock:
            subscribers = list(self._channels.get(channel, ()))
        for subscription in subscribers:
            subscription.deliver(channel, message)


class RedisHub(LocalHub):
    def __init__(self, settings: Settings, client: redis.Redis):
        super().__init__(settings)
        self.client = client
        self.prefix = f"{settings.redis_key_prefix}stream:"
        self.presence = RedisPresence(client, settings.redis_key_prefix, settings.stream_heartbeat_seconds * 3)
        self.listening = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._stopped.is_set():
            self._thread.join(3)  # a stopped listener finishes its last poll first
        if self._thread is None or not self._thread.is_alive():
            self._stopped.clear()
            self._thread = threading.Thread(target=self._listen, name="agora-stream-listener", daemon=True)
            self._thread.start()
            self.listening.wait(2)  # usually subscribed well within this; if Redis is down, degrade

    def stop(self) -> None:
        self._stopped.set()

    def publish_many(self, channels: list[str], message: dict) -> None:
        """Serialised once and sent in one pipeline; while our listener is down (or Redis is),
        this worker's own connections still hear it."""
        if not channels:
            return
        listening = self.listening.is_set()
        if not listening:
            super().publish_many(channels, message)
        data = json.dumps(message)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for channel in channels:
                    pipe.publish(self.prefix + channel, data)
                pipe.execute()
        except redis.RedisError as exc:
            if listening:
                log.warning("stream_redis_unavailable", error=str(exc))
                super().publish_many(channels, message)

    def _listen(self) -> None:
        while not self._stopped.is_set():
            pubsub = None
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(self.prefix + "*")
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation
                self.listening.set()
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "pmessage":
                        channel = message["channel"].decode()[len(self.prefix):]
                        self.dispatch(channel, json.loads(message["data"]))
            except (redis.RedisError, OSError, ValueError) as exc:
                if self.listening.is_set():
                    log.warning("stream_listener_lost_redis", error=str(exc))
                self.listening.clear()
                time.sleep(1.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001 - closing a broken connection
                        pass
        self.listening.clear()


_HUBS: dict[tuple, LocalHub] = {}
_ACTIVE: LocalHub | None = None
_registry_lock = threading.Lock()


def get_hub(settings: Settings) -> LocalHub:
    key = (settings.redis_url, settings.redis_key_prefix)
    with _registry_lock:
        hub = _HUBS.get(key)
        if hub is None:
            hub = RedisHub(settings, get_redis(settings.redis_url)) if settings.redis_url else LocalHub(settings)
            _HUBS[key] = hub
        hub.settings = settings
        return hub


def activate(settings: Settings) -> LocalHub:
    """Make this process an API process: publishers deliver through this hub from now on."""
    global _ACTIVE
    hub = get_hub(settings)
    hub.start()
    _ACTIVE = hub
    return hub


def deactivate() -> None:
    """Stop delivering through the active hub (tests that run an app in-process, then move on)."""
    global _ACTIVE
    if _ACTIVE is not None:
        _ACTIVE.stop()
    _ACTIVE = None


def active_hub() -> LocalHub | None:
    """The hub of the API running in this process; ``None`` in CLI jobs (they stream nothing)."""
    return _ACTIVE
