"""The API process's pending-moderation worker: a daemon thread that, every
``moderation_worker_seconds``, classifies the posts accepted while the model service was
unavailable (``ClassifyPending``). The queue is the pending rows themselves, so it survives
restarts, and ``agora moderation backfill`` drains the same queue from outside the API."""

from __future__ import annotations

import structlog

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.moderation.moderator import Moderator
from platform_api.periodic import PeriodicWorker, running
from serving.moderation.client import ModerationUnavailable

log = structlog.get_logger("agora.moderation")


class PendingModerationWorker(PeriodicWorker):
    name = "pending_moderation"

    def __init__(self, settings: Settings, moderator: Moderator):
        super().__init__(settings.moderation_worker_seconds, at_start=False)
        self.settings = settings
        self.moderator = moderator

    def round(self) -> None:
        self.run_once()

    def run_once(self) -> int:
        """Classify pending posts until none is left; 0 when the service is unavailable."""
        from platform_api.services.classify_pending import ClassifyPending

        done = 0
        while not self.stopping:
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


def pending_moderation_lifespan(app):
    """The API's lifespan: the worker runs while the app serves."""
    return running(PendingModerationWorker(app.state.settings, app.state.moderator))
