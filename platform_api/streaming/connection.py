"""One open stream (an SSE response or a WebSocket): its subscriptions, presence and the
per-viewer filter applied to every message before it is written."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from platform_api.db import session_scope
from platform_api.repositories import relationships
from platform_api.streaming.channels import StreamRequest
from platform_api.streaming.hub import LocalHub, Subscription


class StreamConnection:
    def __init__(self, hub: LocalHub, viewer_id: int | None):
        self.hub = hub
        self.viewer_id = viewer_id
        self.subscription = Subscription()
        self.streams: dict[str, StreamRequest] = {}  # channel -> the subscription it feeds

    def __enter__(self) -> StreamConnection:
        if self.viewer_id is not None:
            self.hub.presence.connect(self.viewer_id)
        return self

    def __exit__(self, *_exc) -> None:
        self.hub.unsubscribe(self.subscription)
        if self.viewer_id is not None:
            self.hub.presence.disconnect(self.viewer_id)

    def subscribe(self, request: StreamRequest) -> None:
        for channel in request.channels:
            self.streams[channel] = request
            self.hub.subscribe(self.subscription, channel)

    def unsubscribe(self, request: StreamRequest) -> None:
        for channel in request.channels:
            self.streams.pop(channel, None)
            self.hub.unsubscribe(self.subscription, channel)

    def heartbeat(self) -> None:
        if self.viewer_id is not None:
            self.hub.presence.touch(self.viewer_id)

    async def next(self, timeout: float) -> tuple[StreamRequest, dict] | None:
        """The next message this viewer may see, or ``None`` when ``timeout`` passes first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                channel, message = await asyncio.wait_for(self.subscription.queue.get(), remaining)
            except TimeoutError:
                return None
            request = self.streams.get(channel)
            if request is not None and await self._allowed(message):
                return request, message

    async def _allowed(self, message: dict) -> bool:
        related = set(message.get("account_ids") or ())
        if self.viewer_id is None or not related - {self.viewer_id}:
            return True
        return not (related & await run_in_threadpool(self._hidden))

    def _hidden(self) -> set[int]:
        with session_scope(self.hub.settings) as session:
            return relationships.hidden_account_ids(session, viewer_id=self.viewer_id)
