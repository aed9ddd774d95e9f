from __future__ import annotations

import structlog

from agora.events import EventType
from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.feed.experiments import Assignment
from platform_api.repositories import outbox

log = structlog.get_logger("agora.feed")


def log_exposure(settings: Settings, viewer_id: int, assignment: Assignment, status_ids: list[int]) -> None:
    """One ``experiment.exposure`` event per served page (not per item: the page's status ids
    ride in the payload), written after the response. A failure never reaches the client."""
    if not status_ids:
        return
    try:
        with session_scope(settings) as session:
            outbox.record_event(session, EventType.EXPOSURE, actor_id=viewer_id,
                                payload={"experiment": assignment.experiment, "arm": assignment.arm,
                                         "ranking": assignment.ranking, "status_ids": [int(s) for s in status_ids]})
    except Exception:  # noqa: BLE001 - a side effect never fails the feed
        log.exception("exposure_logging_failed", viewer=viewer_id)
