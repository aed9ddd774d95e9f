"""Feed rankings in worker processes, beside the API process.

A ranking (a viewer's cache miss, or a background refresh) is ~100 ms of Python — candidate
queries, pandas, the ranker call's encoding — and in the API process it holds the GIL every
other request needs, so one API process serves its pages and its rankings from one core.
``RankingPool`` runs the pipeline in ``feed_ranking_processes`` spawned processes instead, each
with a pipeline built as the API builds its own and its own database connections; the request's
thread waits for the result without the GIL. ``RankFeed`` is what the home timeline and the
refresher call: the pool when there is one, the request's own thread when there is none or the
pool fails (then the pool is replaced), and the ranking's metrics recorded in the API process
either way. Measured in docs/scaling.md §5."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import structlog
from sqlalchemy.orm import Session

from agora.heap import freeze_startup_heap
from agora.settings import Settings
from platform_api.db import session_scope
from platform_api.feed.config import home_feed_config
from platform_api.feed.metrics import FEED_RANKING_POOL_FAILURES
from platform_api.feed.pipeline import HomeFeedPipeline, RankedFeed, record_ranking
from platform_api.feed.query import FeedQuery
from platform_api.tables import Account

log = structlog.get_logger("agora.feed")

# A ranking process's own pipeline and settings (set by ``_start_worker``).
_worker: dict = {}


def api_feed_pipeline(settings: Settings, ranker_client, retrieval_client) -> HomeFeedPipeline:
    """The home feed pipeline as the API runs it, in the API process and in each ranking process."""
    return HomeFeedPipeline(home_feed_config(ranker_client, retrieval_client, seen_hours=settings.seen_hours,
                                             max_out_of_network_share=settings.max_out_of_network_share))


def _exit_with_parent(parent: int) -> None:
    """End this ranking process once the API process that spawned it is gone (killed: a shutdown
    closes the pool), instead of waiting on its queue for ever."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _start_worker(settings: Settings) -> None:
    """A ranking process's start: the API's own settings (pickled), its pipeline built and warmed."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="exit-with-parent", daemon=True).start()
    from serving.ranker.client import RankerClient
    from serving.retrieval.client import RetrievalClient

    pipeline = api_feed_pipeline(
        settings, RankerClient(settings.serving_url, timeout_s=settings.ranker_timeout_ms / 1000),
        RetrievalClient(settings.retrieval_url, timeout_s=settings.retrieval_timeout_ms / 1000))
    for loading in pipeline.warm(settings):
        loading.result()
    _worker.update(settings=settings, pipeline=pipeline)
    freeze_startup_heap()


def _ready() -> int:
    return os.getpid()


def _rank(viewer_id: int, ranker_alias: str, now: float) -> RankedFeed | None:
    settings = _worker["settings"]
    with session_scope(settings) as session:
        viewer = session.get(Account, viewer_id)
        if viewer is None:
            return None
        return _worker["pipeline"].run(FeedQuery(session, settings, viewer, now, ranker_alias=ranker_alias))


class RankingPool:
    def __init__(self, settings: Settings, processes: int):
        self.settings = settings
        self.processes = processes
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def start(self, timeout: float = 180) -> None:
        """Spawn the processes and wait until each has built and warmed its pipeline."""
        executor = self._replace()
        for ready in [executor.submit(_ready) for _ in range(self.processes)]:
            ready.result(timeout=timeout)
        log.info("feed_ranking_pool_ready", processes=self.processes)

    def _replace(self) -> ProcessPoolExecutor:
        with self._lock:
            broken, self._executor = self._executor, ProcessPoolExecutor(
                max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.settings,))
            executor = self._executor
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        return executor

    def rank(self, viewer_id: int, ranker_alias: str, now: float) -> RankedFeed | None:
        """Raises if the pool cannot rank: at once when it was not started (or failed to, or was
        closed), so the caller ranks in its own thread; a broken pool is replaced first."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("the ranking pool is not started")
        try:
            return executor.submit(_rank, viewer_id, ranker_alias, now).result()
        except BrokenProcessPool:
            if executor is self._executor:
                self._replace()
            raise

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class RankFeed:
    """Rank one viewer's home feed now: in the pool if there is one, else (or if it fails) here."""

    def __init__(self, settings: Settings, pipeline: HomeFeedPipeline, pool: RankingPool | None = None):
        self.settings = settings
        self.pipeline = pipeline
        self.pool = pool

    def __call__(self, session: Session, viewer: Account, ranker_alias: str = "champion") -> RankedFeed:
        now = time.time()
        ranked = None
        if self.pool is not None:
            try:
                ranked = self.pool.rank(viewer.id, ranker_alias, now)
            except Exception as exc:  # noqa: BLE001 - a ranking process's failure is ranked here instead
                FEED_RANKING_POOL_FAILURES.inc()
                log.warning("feed_ranking_pool_failed", viewer=viewer.id, error=f"{exc.__class__.__name__}: {exc}")
        if ranked is None:
            ranked = self.pipeline.run(FeedQuery(session, self.settings, viewer, now, ranker_alias=ranker_alias))
        record_ranking(ranked)
        return ranked
