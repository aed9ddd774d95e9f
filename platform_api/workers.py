"""Background work that runs after the request's transaction has committed.

``distribute`` reloads the status by id (a deleted one counts as done), fans it out into home
feeds and then announces it on the open streams — Mastodon's DistributionWorker. It runs
in-process after the response; a crash before it runs loses no data (the status is
committed) and ``agora db redistribute`` can replay it. ``process_media`` finishes an upload
that was answered 202 (video thumbnails)."""

from __future__ import annotations

import structlog

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.streaming.deliveries import DeliverStatus, publish_after_commit

log = structlog.get_logger("agora.workers")


def distribute(settings: Settings, status_id: int) -> None:
    try:
        with session_scope(settings) as session:
            delivered = FanOutOnWrite(session, settings)(status_id)
        log.info("status_distributed", status_id=status_id, recipients=delivered)
    except Exception:  # noqa: BLE001 - a background failure must not kill the worker
        log.exception("distribution_failed", status_id=status_id)
    try:
        publish_after_commit(DeliverStatus, status_id)
    except Exception:  # noqa: BLE001
        log.exception("stream_publish_failed", status_id=status_id)


def process_media(settings: Settings, media_id: int) -> None:
    from platform_api.services.process_media import ProcessMedia

    try:
        with session_scope(settings) as session:
            ProcessMedia(session, settings)(media_id)
    except Exception:  # noqa: BLE001
        log.exception("media_processing_failed", media_id=media_id)
