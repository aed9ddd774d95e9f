"""The ranker as a BentoML service: ``models:/ranker@champion`` + the Feast online store.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.ranker.service:RankerService --port $AGORA_SERVING_PORT

``POST /score`` with ``{"requests": [{"viewer_id": 1, "status_ids": [...], "author_ids": [...],
"ages_seconds": [...]}]}`` returns one ``{"scores": [...], "model": "ranker/<version>"}`` per
request: per candidate, in request order, the ranking score Σ wᵢ·pᵢ (weights in the model's
config); with ``"with_heads": true`` also ``"heads": {"like": [...], ...}``, each head's
probability. The feed asks for scores only: five more arrays of 1,000 floats cost ~8 ms of JSON
per call. The endpoint is batchable (BentoML's adaptive batching): requests that arrive while a
batch is being scored are merged into the next one, whose candidates are hydrated in one call and
scored in one forward pass, then split back per request. Features are the model's own
feature service's, read through a hot-row cache in front of the Feast online store
(``hydration.py``: rows kept until their view is materialized again and at most
``AGORA_RANKER_CACHE_SECONDS`` old, live counters ``AGORA_RANKER_LIVE_CACHE_SECONDS``; the
on-demand views computed by their own ``features/on_demand.py`` functions); preprocessing is the
model's (``models/ranker``), never a copy.
``/healthz``, ``/livez`` and ``/readyz`` are BentoML's; ``/metrics`` adds the hydration time and
the cache's hits and misses per feature view, and the time spent reading each view from Feast.
"""

from __future__ import annotations

from typing import Literal

import bentoml
import numpy as np
import structlog
from pydantic import BaseModel, model_validator

from agora.heap import freeze_startup_heap
from serving.ranker.hydration import FeatureHydrator, HydrationStats

log = structlog.get_logger("agora.ranker")


#: Hydration cost per scored batch, batch sizes, and the cache's effect, on BentoML's own ``/metrics``.
HYDRATION_SECONDS = bentoml.metrics.Histogram(
    name="agora_ranker_hydration_seconds", documentation="Feature hydration time per scored batch of /score requests",
    labelnames=["alias"], buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0))
FEAST_SECONDS = bentoml.metrics.Histogram(
    name="agora_ranker_feast_read_seconds",
    documentation="Time reading the Feast online store for cache misses, per scored batch",
    labelnames=["alias"], buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0))
VIEW_READ_SECONDS = bentoml.metrics.Counter(
    name="agora_ranker_feast_view_read_seconds", documentation="Time reading each feature view's missing rows "
    "from the Feast online store (which view a cold viewer waits for)", labelnames=["view"])
BATCH_REQUESTS = bentoml.metrics.Histogram(
    name="agora_ranker_batch_requests", documentation="Feed requests scored together in one batch (adaptive batching)",
    buckets=(1, 2, 4, 8, 16))
CACHE_ROWS = bentoml.metrics.Counter(
    name="agora_ranker_feature_rows", documentation="Feature-view rows per candidate: fresh in the cache or read",
    labelnames=["view", "result"])


class ScoreRequest(BaseModel):
    """One feed request's candidates. ``alias``: ``champion``, or ``challenger`` for an
    experiment's arm (without a challenger the champion answers, and ``model`` says so)."""

    viewer_id: int
    status_ids: list[int]
    author_ids: list[int]
    ages_seconds: list[float]
    alias: Literal["champion", "challenger"] = "champion"
    with_heads: bool = False

    @model_validator(mode="after")
    def _one_value_per_candidate(self) -> ScoreRequest:
        if not (len(self.status_ids) == len(self.author_ids) == len(self.ages_seconds)):
            raise ValueError("status_ids, author_ids and ages_seconds must have the same length")
        return self


#: One worker: the model is small and the box has 2 cores; Feast's import costs ~5 s per worker.
@bentoml.service(name="ranker", workers=1, traffic={"timeout": 10})
class RankerService:
    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)  # a 1,000 × 31 MLP pass is sub-millisecond; threads only add jitter
        self._load_champion()
        freeze_startup_heap()

    def _load_champion(self) -> None:
        from agora.settings import get_settings
        from features.store import feature_store
        from models.ranker.predictor import load_registered

        settings = get_settings()
        self.ranker, self.version = load_registered(settings)
        self.model_name = f"ranker/{self.version}"
        self.store = feature_store(settings)
        self._hydrators: dict[str, FeatureHydrator] = {}
        self.models = {"champion": (self.ranker, self.model_name, self._hydrator(self.ranker, settings))}
        self._load_challenger(settings)
        # warm the registry cache and the Feast read path
        self._score([ScoreRequest(viewer_id=0, status_ids=[0], author_ids=[0], ages_seconds=[0.0])])

    def _hydrator(self, ranker, settings) -> FeatureHydrator:
        """One hot-row cache per feature service (a challenger on the same service shares it);
        a reload starts with empty caches."""
        name = ranker.feature_service
        if name not in self._hydrators:
            self._hydrators[name] = FeatureHydrator(
                self.store, self.store.get_feature_service(name), ttl=settings.ranker_cache_seconds,
                live_ttl=settings.ranker_live_cache_seconds, max_rows=settings.ranker_cache_max_rows)
            log.info("ranker_hydration_cache", feature_service=name,
                     views={v.name: v.ttl for v in self._hydrators[name].views.values()})
        return self._hydrators[name]

    def _load_challenger(self, settings) -> None:
        """``@challenger`` too, when there is one, so an experiment's arm can be scored by it."""
        from mlflow.exceptions import MlflowException

        from models.ranker.predictor import load_registered

        try:
            challenger, version = load_registered(settings, alias="challenger")
        except MlflowException:
            return
        self.models["challenger"] = (challenger, f"ranker/{version}", self._hydrator(challenger, settings))

    @bentoml.api
    def reload(self) -> dict:
        """Load the current ``@champion`` (after a promotion) without restarting the service."""
        self._load_champion()
        return {"model": self.model_name}

    #: A batch waits for nothing while the service is idle: it is whatever queued while the last
    #: one was scored. The latency bound only sheds requests queued past the feed's own budget.
    @bentoml.api(batchable=True, max_batch_size=16, max_latency_ms=5_000)
    def score(self, requests: list[ScoreRequest]) -> list[dict]:
        BATCH_REQUESTS.observe(len(requests))
        bodies: list[dict] = [{} for _ in requests]
        aliases = [r.alias if r.alias in self.models else "champion" for r in requests]
        for alias in dict.fromkeys(aliases):
            members = [i for i, a in enumerate(aliases) if a == alias]
            ranker, name, _ = self.models[alias]
            probabilities = self._score([requests[i] for i in members], alias)
            bounds = np.cumsum([0] + [len(requests[i].status_ids) for i in members])
            for i, start, end in zip(members, bounds[:-1], bounds[1:]):
                heads = probabilities[start:end]
                bodies[i] = {"scores": ranker.combine(heads).tolist(), "model": name}
                if requests[i].with_heads:
                    bodies[i]["heads"] = {head: heads[:, k].tolist() for k, head in enumerate(ranker.heads)}
        return bodies

    def _score(self, requests: list[ScoreRequest], alias: str = "champion") -> np.ndarray:
        """P(engagement) per candidate of ``requests`` (concatenated, in order) and head."""
        ranker, _, hydrator = self.models[alias]
        sizes = [len(r.status_ids) for r in requests]
        if not sum(sizes):
            return np.zeros((0, len(ranker.heads)))
        rows = {"viewer_id": np.repeat(np.array([r.viewer_id for r in requests], dtype=np.int64), sizes),
                "author_id": np.concatenate([r.author_ids for r in requests]).astype(np.int64),
                "status_id": np.concatenate([r.status_ids for r in requests]).astype(np.int64),
                "age_seconds": np.concatenate([r.ages_seconds for r in requests]).astype(np.float64)}
        columns, stats = hydrator.hydrate(rows)
        self._record(alias, stats)
        return ranker.predict_heads(columns)

    @staticmethod
    def _record(alias: str, stats: HydrationStats) -> None:
        HYDRATION_SECONDS.labels(alias=alias).observe(stats.seconds)
        if stats.feast_calls:
            FEAST_SECONDS.labels(alias=alias).observe(stats.feast_seconds)
        for view, seconds in stats.read_seconds.items():
            VIEW_READ_SECONDS.labels(view=view).inc(seconds)
        for view, hits in stats.hits.items():
            CACHE_ROWS.labels(view=view, result="hit").inc(hits)
            CACHE_ROWS.labels(view=view, result="miss").inc(stats.misses[view])
