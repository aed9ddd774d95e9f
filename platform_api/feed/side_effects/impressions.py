from __future__ import annotations

import structlog

from agora.events import EventType
from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.ids import utcnow
from platform_api.services.record_engagements import Engagement, RecordEngagements

log = structlog.get_logger("agora.feed")


def log_impressions(settings: Settings, viewer_id: int, served: list[tuple[int, int]]) -> None:
    """Record what the home feed served as ``status.impression`` events (the ranker's training
    examples). Runs after the response; a failure is logged and never reaches the client."""
    if not served:
        return
    now = utcnow()
    try:
        with session_scope(settings) as session:
            RecordEngagements(session)([Engagement(viewer_id, status_id, author_id, now, EventType.IMPRESSION)
                                        for status_id, author_id in served])
    except Exception:  # noqa: BLE001 - a side effect never fails the feed
        log.exception("impression_logging_failed", viewer=viewer_id)
