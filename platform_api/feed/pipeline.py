"""Runs the home feed's stages: sources → filters → scorer → heuristics → selector → reasons.

If the model scorer fails, the same candidates are ordered by the chronological scorer and
the result says ``ranking = "fallback"``; the request never fails because a model is down.
A run records no metrics itself: it may run in a ranking process (``ranking_pool.py``), so the
API process records them from the result (``record_ranking``), where ``/metrics`` reads them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import structlog

from platform_api.feed import features as F
from platform_api.feed.config import FeedConfig
from platform_api.feed.metrics import (FEED_CANDIDATES, FEED_FALLBACKS, FEED_REQUESTS, FEED_SOURCE_FAILURES,
                                       FEED_STAGE_SECONDS)
from platform_api.feed.query import FeedQuery
from platform_api.feed.stage import StageFailed

log = structlog.get_logger("agora.feed")


@dataclass
class RankedFeed:
    status_ids: list[int]
    extras: dict[int, dict]           # status id → the "agora" object of each item
    ranking: str                      # "model" or "fallback"
    model: str
    candidates: int
    stage_seconds: dict[str, float] = field(default_factory=dict)
    failed_sources: list[str] = field(default_factory=list)


def record_ranking(ranked: RankedFeed) -> None:
    """The metrics of one ranking, in the process that serves ``/metrics``."""
    for stage, seconds in ranked.stage_seconds.items():
        FEED_STAGE_SECONDS.labels(stage).observe(seconds)
    FEED_CANDIDATES.observe(ranked.candidates)
    if ranked.ranking == "fallback":
        FEED_FALLBACKS.labels(reason="ranker").inc()
    FEED_REQUESTS.labels(ranked.ranking).inc()
    for source in ranked.failed_sources:
        FEED_SOURCE_FAILURES.labels(source=source).inc()


class HomeFeedPipeline:
    def __init__(self, config: FeedConfig):
        self.config = config

    def warm(self, settings) -> list:
        """Start the stages that keep state shared by every request filling it (futures)."""
        return [stage.warm(settings) for stage in self.config.sources if hasattr(stage, "warm")]

    def run(self, query: FeedQuery) -> RankedFeed:
        timings: dict[str, float] = {}

        def timed(stage: str, fn, *args):
            start = time.perf_counter()
            try:
                return fn(*args)
            finally:
                timings[stage] = time.perf_counter() - start

        frames = [timed(f"source:{s.name}", s.fetch, query) for s in self.config.sources]
        candidates = pd.concat([f for f in frames if not f.empty] or [frames[0]], ignore_index=True)
        for stage in self.config.filters:
            candidates = timed(f"filter:{stage.name}", stage.apply, query, candidates).kept
        ranking = "model"
        try:
            scores, model = timed("scorer", self.config.scorer.score, query, candidates)
        except StageFailed as exc:
            ranking = "fallback"
            log.warning("feed_fallback", viewer=query.viewer.id, reason=str(exc))
            scores, model = self.config.fallback_scorer.score(query, candidates)
        candidates = candidates.assign(**{F.SCORE: scores})
        if ranking == "model":
            for stage in self.config.heuristics:
                candidates = timed(f"heuristic:{stage.name}", stage.rescore, query, candidates)
        selected = timed("selector", self.config.selector.select, query, candidates)
        selected = timed("why", self.config.explainer.explain, query, selected)
        status_ids = selected[F.STATUS_ID].astype("int64").tolist()
        shown_scores = (np.round(selected[F.SCORE].to_numpy(dtype=float), 6).tolist() if ranking == "model"
                        else [None] * len(status_ids))
        extras = {sid: {"score": score, "model": model, "why": why, "source": source}
                  for sid, score, why, source in zip(status_ids, shown_scores, selected[F.WHY].tolist(),
                                                     selected[F.SOURCE].tolist())}
        return RankedFeed(status_ids, extras, ranking, model, len(candidates), timings, list(query.failed_sources))
