"""Background work that runs after the request's transaction has committed.

``distribute`` reloads the status by id (a deleted one counts as done), announces it on the open
streams, fans it out into home feeds — Mastodon's DistributionWorker — and hands a public post
to the retrieval service's index, so out-of-network feeds can find it at once. It runs
in-process after the response. The request's transaction also wrote a ``pending_distributions``
row, which fan-out removes in its own transaction: a crash before the worker ran leaves the row,
and ``redistribute_pending`` (run by the API when it starts, and by ``agora db redistribute``)
fans those statuses out then. Fan-out is idempotent, so a replay of one that did run changes
nothing. ``process_media`` finishes an upload that was answered 202 (video thumbnails)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from prometheus_client import Counter

from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.periodic import PeriodicWorker, running
from platform_api.repositories import distributions, post_catalog
from platform_api.services.fan_out_on_write import FanOutOnWrite
from platform_api.streaming.deliveries import DeliverStatus, publish_after_commit

if TYPE_CHECKING:
    from serving.retrieval.client import RetrievalClient

log = structlog.get_logger("agora.workers")

RETRIEVAL_INDEX_ADDS = Counter("agora_retrieval_index_adds_total",
                               "New posts handed to the retrieval index as they are created", ["result"])


def distribute(settings: Settings, status_id: int, retrieval: RetrievalClient | None = None) -> None:
    """Streams first (a few messages: only open streams hear them), then the home feeds (up to
    one write per follower), so a big author's followers see the post live without waiting
    for the whole fan-out; then the retrieval index, when a client for it is given."""
    try:
        publish_after_commit(DeliverStatus, status_id)
    except Exception:  # noqa: BLE001 - a background failure must not kill the worker
        log.exception("stream_publish_failed", status_id=status_id)
    try:
        fan_out(settings, status_id)
    except Exception:  # noqa: BLE001 - the row stays pending for the replay
        log.exception("distribution_failed", status_id=status_id)
    if retrieval is not None:
        index_for_retrieval(settings, retrieval, status_id)


def index_for_retrieval(settings: Settings, retrieval: RetrievalClient, status_id: int) -> str:
    """Send an indexable post to the retrieval service; what became of it (the metric's label).
    A miss is not lost: ``agora index update`` adds every post above the index's watermark
    from the database, and the daily rebuild every recent one."""
    from serving.retrieval.client import RetrievalUnavailable

    with session_scope(settings) as session:
        post = post_catalog.indexable_post(session, status_id=status_id)
    if post is None:
        result = "not_indexable"
    else:
        try:
            result = "added" if retrieval.add([post]) == [True] else "already_indexed"
        except RetrievalUnavailable as exc:
            log.info("retrieval_index_add_failed", status_id=status_id, error=str(exc))
            result = "failed"
    RETRIEVAL_INDEX_ADDS.labels(result).inc()
    return result


def fan_out(settings: Settings, status_id: int) -> int:
    """Into home feeds, and off the pending queue in the same transaction."""
    with session_scope(settings) as session:
        delivered = FanOutOnWrite(session, settings)(status_id)
        distributions.done(session, status_id=status_id)
    log.info("status_distributed", status_id=status_id, recipients=delivered)
    return delivered


def redistribute_pending(settings: Settings, *, older_than_seconds: float = 0) -> int:
    """Fan out every status a crash left pending, oldest first; how many were. Streams are not
    told: they are at most once, and these posts are no longer news. A status whose fan-out
    fails again is logged and stays pending for the next replay."""
    replayed, after_id = 0, 0
    while True:
        with session_scope(settings) as session:
            ids = distributions.pending_ids(session, older_than_seconds=older_than_seconds, after_id=after_id)
        if not ids:
            break
        for status_id in ids:
            try:
                fan_out(settings, status_id)
                replayed += 1
            except Exception:  # noqa: BLE001
                log.exception("redistribution_failed", status_id=status_id)
        after_id = ids[-1]
    if replayed:
        log.info("pending_distributions_replayed", count=replayed)
    return replayed


class PendingDistributionSweeper(PeriodicWorker):
    """The API process's daemon thread: at start and then every ``distribution_sweep_seconds``,
    replays the fan-outs older than that interval that are still pending."""

    name = "redistribution_sweep"

    def __init__(self, settings: Settings):
        super().__init__(settings.distribution_sweep_seconds, at_start=True)
        self.settings = settings

    def round(self) -> None:
        redistribute_pending(self.settings, older_than_seconds=self.interval_seconds)


def distribution_sweeper_lifespan(app):
    return running(PendingDistributionSweeper(app.state.settings))


def process_media(settings: Settings, media_id: int) -> None:
    from platform_api.services.process_media import ProcessMedia

    try:
        with session_scope(settings) as session:
            ProcessMedia(session, settings)(media_id)
    except Exception:  # noqa: BLE001
        log.exception("media_processing_failed", media_id=media_id)
