"""The API process's pending-moderation worker: a daemon thread that, every
``moderation_worker_seconds``, classifies the posts accepted while the model service was
unavailable (``ClassifyPending``). The queue is the pending rows themselves, so it survives
restarts, and ``agora moderation backfill`` drains the same queue from outside the API."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

import structlog

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.moderation.moderator import Moderator
from serving.moderation.client import ModerationUnavailable

log = structlog.get_logger("agora.moderation")


class PendingModerationWorker:
    def __init__(self, settings: Settings, moderator: Moderator):
        self.settings = settings
        self.moderator = moderator
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pending-moderation", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def run_once(self) -> int:
        """Classify pending posts until none is left; 0 when the service is unavailable."""
        from platform_api.services.classify_pending import ClassifyPending

        done = 0
        while not self._stop.is_set():
            try:
                with session_scope(self.settings) as session:
                    classified = ClassifyPending(session, self.moderator)()
            except ModerationUnavailable:
                return done
            if classified == 0:
                return done
            done += classified
            log.info("pending_posts_classified", count=classified)
        return done

    def _run(self) -> None:
        while not self._stop.wait(self.settings.moderation_worker_seconds):
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a failed round must not end the worker; the rows stay pending
                log.exception("pending_moderation_failed")


@asynccontextmanager
async def pending_moderation_lifespan(app):
    """The API's lifespan: the worker runs while the app serves."""
    worker = PendingModerationWorker(app.state.settings, app.state.moderator)
    worker.start()
    try:
        yield
    finally:
        worker.stop()
