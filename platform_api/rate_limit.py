"""Request admission: rate limits and a cap on request bodies, as two small ASGI middlewares.

Rate limits follow Mastodon's: ``rate_limit_requests`` per ``rate_limit_window_seconds``
(300 per 5 minutes) for each valid access token, and for each client IP on requests without
one (an unknown or revoked token counts against the IP, so minting random tokens buys no
extra requests). Like Mastodon's they cover the API and OAuth paths; media files, health
checks and metrics are not counted. Every answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (ISO 8601, as Mastodon sends it); over the limit the answer is
``429 {"error": "Too many requests"}`` with ``Retry-After``.

Counters are fixed windows. They live in Redis when ``redis_url`` is set (shared by every
API process) and in this process otherwise; if Redis stops answering, counting carries on
in-process and Redis is tried again after ``REDIS_RETRY_SECONDS``.

Behind a reverse proxy, let uvicorn rewrite the client address (``--proxy-headers`` with
``--forwarded-allow-ips``): the IP used here is the ASGI ``client``.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime
from typing import Protocol

import anyio
import redis
import structlog
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from agora.settings import Settings
from platform_api.db import session_factory
from platform_api.deps import _bearer  # the one definition of where a request carries its token
from platform_api.redis_client import get_redis
from platform_api.repositories import access_tokens
from platform_api.security import digest

log = structlog.get_logger("agora.rate_limit")

LIMITED_PREFIXES = ("/api/", "/oauth/")
REDIS_RETRY_SECONDS = 30.0
TOKEN_CACHE_SECONDS = 60.0
TOKEN_CACHE_SIZE = 10_000


class CounterStore(Protocol):
    blocking: bool  # does ``hit`` wait on the network (then it runs in a worker thread)?

    def hit(self, key: str, ttl_seconds: int) -> int:
        """Add one to ``key`` (created with ``ttl_seconds`` to live) and return the new count."""


class MemoryCounterStore:
    blocking = False

    def __init__(self, max_keys: int = 100_000):
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, ttl_seconds: int) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) >= self._max_keys:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, expires = self._counts.get(key, (0, now + ttl_seconds))
            if expires <= now:
                count, expires = 0, now + ttl_seconds
            self._counts[key] = (count + 1, expires)
            return count + 1


class RedisCounterStore:
    """``INCR`` + ``EXPIRE`` in one round trip; falls back to ``fallback`` while Redis is down."""

    blocking = True

    def __init__(self, client: redis.Redis, prefix: str, fallback: CounterStore):
        self.client = client
        self.prefix = prefix
        self.fallback = fallback
        self._down_until = 0.0

    def hit(self, key: str, ttl_seconds: int) -> int:
        if time.monotonic() < self._down_until:
            return self.fallback.hit(key, ttl_seconds)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.incr(self.prefix + key)
                pipe.expire(self.prefix + key, ttl_seconds)
                count, _ = pipe.execute()
            return int(count)
        except (redis.RedisError, OSError) as exc:
            log.warning("rate_limit_redis_unavailable", error=str(exc), retry_in_s=REDIS_RETRY_SECONDS)
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            return self.fallback.hit(key, ttl_seconds)


def counter_store(settings: Settings) -> CounterStore:
    memory = MemoryCounterStore()
    if settings.redis_url:
        return RedisCounterStore(get_redis(settings.redis_url), f"{settings.redis_key_prefix}ratelimit:", memory)
    return memory


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class RateLimitMiddleware:
    def __init__(self, app, settings: Settings, store: CounterStore | None = None):
        self.app = app
        self.settings = settings
        self.store = store or counter_store(settings)
        self._tokens: dict[str, tuple[bool, float]] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        limit, window = self.settings.rate_limit_requests, self.settings.rate_limit_window_seconds
        now = time.time()
        index = int(now // window)
        reset_at = (index + 1) * window
        bucket = await self._bucket(scope)
        key = f"{bucket}:{index}"
        count = (await anyio.to_thread.run_sync(self.store.hit, key, window) if self.store.blocking
                 else self.store.hit(key, window))
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - count)),
                   "X-RateLimit-Reset": _iso(reset_at)}
        if count > limit:
            headers["Retry-After"] = str(max(1, math.ceil(reset_at - now)))
            await JSONResponse({"error": "Too many requests"}, status_code=429, headers=headers)(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _bucket(self, scope) -> str:
        secret = _bearer(Request(scope))
        if secret is not None:
            token_digest = digest(secret)
            if await self._token_is_valid(token_digest):
                return f"token:{token_digest}"
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"

    async def _token_is_valid(self, token_digest: str) -> bool:
        now = time.monotonic()
        cached = self._tokens.get(token_digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        valid = await anyio.to_thread.run_sync(self._lookup, token_digest)
        if len(self._tokens) >= TOKEN_CACHE_SIZE:
            self._tokens.clear()
        self._tokens[token_digest] = (valid, now + TOKEN_CACHE_SECONDS)
        return valid

    def _lookup(self, token_digest: str) -> bool:
        with session_factory(self.settings)() as session:
            return access_tokens.active_by_digest(session, token_digest=token_digest) is not None


class BodySizeLimitMiddleware:
    """413 for a request body over ``max_bytes``: at once when ``Content-Length`` says so,
    otherwise as soon as a streamed (chunked) body passes the limit."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> str:
        return f"Request body is too large (the limit is {self.max_bytes} bytes)"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await JSONResponse({"error": "Invalid Content-Length header"}, status_code=400)(scope, receive, send)
                return
            if size > self.max_bytes:
                await JSONResponse({"error": self._too_large()}, status_code=413)(scope, receive, send)
                return
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._too_large())
            return message

        await self.app(scope, counting_receive, send)


def install_request_limits(app: FastAPI, settings: Settings) -> None:
    """The rate limit runs first (a refused oversized body still counts), then the size cap."""
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(RateLimitMiddleware, settings=settings)
