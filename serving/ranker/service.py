"""The ranker as a BentoML service: ``models:/ranker@champion`` + the Feast online store.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.ranker.service:RankerService --port $AGORA_SERVING_PORT

``POST /score`` with ``{"viewer_id": 1, "status_ids": [...], "author_ids": [...],
"ages_seconds": [...]}`` returns ``{"scores": [...], "model": "ranker/<version>"}``: per
candidate, in request order, the ranking score Σ wᵢ·pᵢ (weights in the model's config); with
``"with_heads": true`` also ``"heads": {"like": [...], ...}``, each head's probability. The
feed asks for scores only: five more arrays of 1,000 floats cost ~8 ms of JSON per call. Features are the model's own
feature service's, read through a hot-row cache in front of the Feast online store
(``hydration.py``: rows kept until their view is materialized again and at most
``AGORA_RANKER_CACHE_SECONDS`` old, live counters ``AGORA_RANKER_LIVE_CACHE_SECONDS``; the
on-demand views computed by their own ``features/on_demand.py`` functions); preprocessing is the
model's (``models/ranker``), never a copy.
``/healthz``, ``/livez`` and ``/readyz`` are BentoML's; ``/metrics`` adds the hydration time and
the cache's hits and misses per feature view.
"""

from __future__ import annotations

import bentoml
import numpy as np
import structlog
from bentoml.exceptions import InvalidArgument

from agora.heap import freeze_startup_heap
from serving.ranker.hydration import FeatureHydrator, HydrationStats

log = structlog.get_logger("agora.ranker")


#: Hydration cost per request, and the cache's effect, on BentoML's own ``/metrics``.
HYDRATION_SECONDS = bentoml.metrics.Histogram(
    name="agora_ranker_hydration_seconds", documentation="Feature hydration time per /score request",
    labelnames=["alias"], buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0))
FEAST_SECONDS = bentoml.metrics.Histogram(
    name="agora_ranker_feast_read_seconds", documentation="Time in Feast get_online_features for cache misses",
    labelnames=["alias"], buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0))
CACHE_ROWS = bentoml.metrics.Counter(
    name="agora_ranker_feature_rows", documentation="Feature-view rows per candidate: fresh in the cache or read",
    labelnames=["view", "result"])


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
        self._score(0, [0], [0], [0.0])  # warm the registry cache and the Feast read path

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

    @bentoml.api
    def score(self, viewer_id: int, status_ids: list[int], author_ids: list[int],
              ages_seconds: list[float], alias: str = "champion", with_heads: bool = False) -> dict:
        """``alias``: ``champion`` (default) or ``challenger``; without a challenger the champion
        answers, and ``model`` says which model scored."""
        if not (len(status_ids) == len(author_ids) == len(ages_seconds)):
            raise InvalidArgument("status_ids, author_ids and ages_seconds must have the same length")
        if alias not in ("champion", "challenger"):
            raise InvalidArgument("alias must be 'champion' or 'challenger'")
        alias = alias if alias in self.models else "champion"
        ranker = self.models[alias][0]
        probabilities = self._score(viewer_id, status_ids, author_ids, ages_seconds, alias) if status_ids else \
            np.zeros((0, len(ranker.heads)))
        body = {"scores": ranker.combine(probabilities).tolist(), "model": self.models[alias][1]}
        if with_heads:
            body["heads"] = {head: probabilities[:, i].tolist() for i, head in enumerate(ranker.heads)}
        return body

    def _score(self, viewer_id: int, status_ids: list[int], author_ids: list[int],
               ages_seconds: list[float], alias: str = "champion") -> np.ndarray:
        """P(engagement) per candidate and head."""
        ranker, _, hydrator = self.models[alias]
        rows = {"viewer_id": np.full(len(status_ids), viewer_id, dtype=np.int64),
                "author_id": np.asarray(author_ids, dtype=np.int64),
                "status_id": np.asarray(status_ids, dtype=np.int64),
                "age_seconds": np.asarray(ages_seconds, dtype=np.float64)}
        columns, stats = hydrator.hydrate(rows)
        self._record(alias, stats)
        return ranker.predict_heads(columns)

    @staticmethod
    def _record(alias: str, stats: HydrationStats) -> None:
        HYDRATION_SECONDS.labels(alias=alias).observe(stats.seconds)
        if stats.feast_calls:
            FEAST_SECONDS.labels(alias=alias).observe(stats.feast_seconds)
        for view, hits in stats.hits.items():
            CACHE_ROWS.labels(view=view, result="hit").inc(hits)
            CACHE_ROWS.labels(view=view, result="miss").inc(stats.misses[view])
