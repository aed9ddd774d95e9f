"""What the home feed served, as ``status.impression`` events (the ranker's training examples) and
served-impression rows (the already-served filter's).

Written in batches: ``record`` only queues a page's items, and one thread per API process writes
everything queued every ``flush_seconds`` in one transaction. A transaction per page was a fifth of
the CPU of a page served from the ranked-page cache (docs/scaling.md §5); a batch costs the same few
statements for any number of pages. Impressions are telemetry, never an acknowledged write: a
shutdown writes what is queued, a killed process loses at most the last ``flush_seconds`` of them.
With ``flush_seconds`` 0 each page is written as it is recorded."""

from __future__ import annotations

import threading

import structlog
from prometheus_client import Counter

from agora.events import EventType
from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.ids import utcnow
from platform_api.services.record_engagements import Engagement, RecordEngagements

log = structlog.get_logger("agora.feed")

IMPRESSIONS_WRITTEN = Counter("agora_feed_impressions_written_total", "Served items logged as impressions",
                              ["result"])   # written, failed


class ImpressionLog:
    def __init__(self, settings: Settings, flush_seconds: float):
        self.settings = settings
        self.flush_seconds = flush_seconds
        self._queued: list[Engagement] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._writer: threading.Thread | None = None

    def record(self, viewer_id: int, served: list[tuple[int, int]]) -> None:
        """Queue a page's (status id, author id) pairs, or write them now when not batching (or closed)."""
        if not served:
            return
        now = utcnow()
        page = [Engagement(viewer_id, status_id, author_id, now, EventType.IMPRESSION)
                for status_id, author_id in served]
        if self.flush_seconds <= 0 or self._closed.is_set():
            self._write(page)
            return
        with self._lock:
            self._queued.extend(page)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_every_interval, name="impression-log", daemon=True)
                self._writer.start()

    def flush(self) -> int:
        """Write what is queued now; how many impressions that was."""
        with self._lock:
            batch, self._queued = self._queued, []
        return self._write(batch)

    def close(self) -> None:
        """Stop the writer and write what is left (the API's shutdown)."""
        self._closed.set()
        writer = self._writer
        if writer is not None:
            writer.join(timeout=30)
        self.flush()

    def _write_every_interval(self) -> None:
        while not self._closed.wait(self.flush_seconds):
            self.flush()

    def _write(self, batch: list[Engagement]) -> int:
        if not batch:
            return 0
        try:
            with session_scope(self.settings) as session:
                RecordEngagements(session)(batch)
        except Exception:  # noqa: BLE001 - a side effect never fails the feed
            IMPRESSIONS_WRITTEN.labels("failed").inc(len(batch))
            log.exception("impression_logging_failed", impressions=len(batch))
            return 0
        IMPRESSIONS_WRITTEN.labels("written").inc(len(batch))
        return len(batch)
