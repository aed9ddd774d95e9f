"""Feed rankings in worker processes, beside the API process.

A ranking (a viewer's cache miss, or a background refresh) is ~100 ms of Python — candidate
queries, pandas, the ranker call's encoding — and in the API process it holds the GIL every
other request needs, so one API process serves its pages and its rankings from one core.
``RankingPool`` runs the pipeline in ``feed_ranking_processes`` spawned processes instead, each
with a pipeline built as the API builds its own and its own database connections; the request's
thread waits for the result without the GIL. ``RankFeed`` is what the home timeline and the
refresher call: the pool when there is one, the request's own thread when there is none or the
pool fails (then the pool is replaced), and the ranking's metrics recorded in the API process
either way.

Two lanes: cache misses (a viewer waits on them) go to the ``processes`` foreground processes;
background refreshes (a stale list is being served meanwhile) go to one more process that runs
at a lower CPU priority (``feed_refresh_nice``), so a miss never queues behind a refresh and a
refresh takes the CPU that pages and misses leave. Measured in docs/scaling.md §5."""

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


def _start_worker(settings: Settings, nice: int) -> None:
    """A ranking process's start: its CPU priority lowered by ``nice`` (before any thread starts:
    Linux keeps a nice value per thread and new threads inherit it), the API's own settings
    (pickled), its pipeline built and warmed."""
    if nice:
        os.nice(nice)
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
    LANES = ("foreground", "background")

    def __init__(self, settings: Settings, processes: int):
        self.settings = settings
        self.processes = processes
        self._lock = threading.Lock()
        self._executors: dict[str, ProcessPoolExecutor | None] = dict.fromkeys(self.LANES)

    def start(self, timeout: float = 180) -> None:
        """Spawn both lanes' processes and wait until each has built and warmed its pipeline."""
        readying = []
        for lane in self.LANES:
            executor = self._replace(lane)
            readying += [executor.submit(_ready) for _ in range(self._size(lane))]
        for ready in readying:
            ready.result(timeout=timeout)
        log.info("feed_ranking_pool_ready", processes=self.processes, background_processes=1,
                 background_nice=self.settings.feed_refresh_nice)

    def _size(self, lane: str) -> int:
        return self.processes if lane == "foreground" else 1

    def _replace(self, lane: str) -> ProcessPoolExecutor:
        nice = self.settings.feed_refresh_nice if lane == "background" else 0
        with self._lock:
            broken = self._executors[lane]
            executor = self._executors[lane] = ProcessPoolExecutor(
                max_workers=self._size(lane), mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.settings, nice))
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        return executor

    def rank(self, viewer_id: int, ranker_alias: str, now: float, *, background: bool = False) -> RankedFeed | None:
        """Raises if the pool cannot rank: at once when it was not started (or failed to, or was
        closed), so the caller ranks in its own thread; a broken lane is replaced first."""
        lane = "background" if background else "foreground"
        executor = self._executors[lane]
        if executor is None:
            raise RuntimeError("the ranking pool is not started")
        try:
            return executor.submit(_rank, viewer_id, ranker_alias, now).result()
        except BrokenProcessPool:
            if executor is self._executors[lane]:
                self._replace(lane)
            raise

    def close(self) -> None:
        with self._lock:
            executors = [e for e in self._executors.values() if e is not None]
            self._executors = dict.fromkeys(self.LANES)
        for executor in executors:
            executor.shutdown(wait=True, cancel_futures=True)


class RankFeed:
    """Rank one viewer's home feed now: in the pool if there is one, else (or if it fails) here.
    ``background``: a refresh, ranked in the pool's lower-priority lane."""

    def __init__(self, settings: Settings, pipeline: HomeFeedPipeline, pool: RankingPool | None = None, *,
                 background: bool = False):
        self.settings = settings
        self.pipeline = pipeline
        self.pool = pool
        self.background = background

    def __call__(self, session: Session, viewer: Account, ranker_alias: str = "champion") -> RankedFeed:
        now = time.time()
        ranked = None
        if self.pool is not None:
            try:
                ranked = self.pool.rank(viewer.id, ranker_alias, now, background=self.background)
            except Exception as exc:  # noqa: BLE001 - a ranking process's failure is ranked here instead
                FEED_RANKING_POOL_FAILURES.inc()
                log.warning("feed_ranking_pool_failed", viewer=viewer.id, error=f"{exc.__class__.__name__}: {exc}")
        if ranked is None:
            ranked = self.pipeline.run(FeedQuery(session, self.settings, viewer, now, ranker_alias=ranker_alias))
        record_ranking(ranked)
        return ranked
