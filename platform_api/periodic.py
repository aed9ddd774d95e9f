"""A daemon thread that does one round of background work every few seconds while the API
serves (the pending-moderation worker, the pending-distribution sweeper)."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

import structlog

log = structlog.get_logger("agora.workers")


class PeriodicWorker:
    """Calls :meth:`round` every ``interval_seconds`` until stopped; a failed round is logged as
    ``<name>_failed`` and the next one still comes. ``at_start``: the first round runs at once
    rather than after the first interval."""

    name = "periodic"

    def __init__(self, interval_seconds: float, *, at_start: bool):
        self.interval_seconds = interval_seconds
        self.at_start = at_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name.replace("_", "-"), daemon=True)

    def round(self) -> None:
        raise NotImplementedError

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        if not self.at_start and self._stop.wait(self.interval_seconds):
            return
        while True:
            try:
                self.round()
            except Exception:  # noqa: BLE001 - a failed round must not end the worker; its rows stay pending
                log.exception(f"{self.name}_failed")
            if self._stop.wait(self.interval_seconds):
                return


@asynccontextmanager
async def running(worker: PeriodicWorker):
    """An app lifespan: the worker runs while the app serves."""
    worker.start()
    try:
        yield
    finally:
        worker.stop()
