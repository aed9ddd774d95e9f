"""The ranker as a BentoML service: ``models:/ranker@champion`` + the Feast online store.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.ranker.service:RankerService --port $AGORA_SERVING_PORT

``POST /score`` with ``{"viewer_id": 1, "status_ids": [...], "author_ids": [...],
"ages_seconds": [...]}`` returns ``{"scores": [...], "heads": {"like": [...], ...},
"model": "ranker/<version>"}``: per candidate, in request order, the ranking score Σ wᵢ·pᵢ
(weights in the model's config) and each head's probability. Features come from Feast in one batched
``get_online_features`` call with the model's own feature service (its on-demand view
computes the post age); preprocessing is the model's (``models/ranker``), never a copy.
``/healthz``, ``/livez`` and ``/readyz`` are BentoML's.
"""

from __future__ import annotations

from collections.abc import Sequence

import bentoml
import numpy as np
from bentoml.exceptions import InvalidArgument


def numeric_columns(response, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Feast's online response as one float array per named feature.

    Reads the protobuf directly: ``OnlineResponse.to_dict()`` sends every value through a
    generic type switch, which at 1,000 candidates × 31 features costs more than the model.
    An unset value (an entity the online store does not know) reads as 0.0, which is what the
    ranker's preprocessing turns a missing value into anyway."""
    proto = response.proto
    index = {name: i for i, name in enumerate(proto.metadata.feature_names.val)}
    columns = {}
    for name in names:
        values = proto.results[index[name]].values
        kind = next((k for k in (v.WhichOneof("val") for v in values) if k not in (None, "null_val")), None)
        columns[name] = (np.zeros(len(values)) if kind is None else
                         np.fromiter((getattr(v, kind) for v in values), dtype=np.float64, count=len(values)))
    return columns


#: One worker: the model is small and the box has 2 cores; Feast's import costs ~5 s per worker.
@bentoml.service(name="ranker", workers=1, traffic={"timeout": 10})
class RankerService:
    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)  # a 1,000 × 31 MLP pass is sub-millisecond; threads only add jitter
        self._load_champion()

    def _load_champion(self) -> None:
        from agora.settings import get_settings
        from features.store import feature_store
        from models.ranker.predictor import load_registered

        settings = get_settings()
        self.ranker, self.version = load_registered(settings)
        self.model_name = f"ranker/{self.version}"
        self.store = feature_store(settings)
        self.feature_service = self.store.get_feature_service(self.ranker.feature_service)
        self.models = {"champion": (self.ranker, self.model_name, self.feature_service)}
        self._load_challenger(settings)
        self._score(0, [0], [0], [0.0])  # warm the registry cache and the on-demand transform

    def _load_challenger(self, settings) -> None:
        """``@challenger`` too, when there is one, so an experiment's arm can be scored by it."""
        from mlflow.exceptions import MlflowException

        from models.ranker.predictor import load_registered

        try:
            challenger, version = load_registered(settings, alias="challenger")
        except MlflowException:
            return
        self.models["challenger"] = (challenger, f"ranker/{version}",
                                     self.store.get_feature_service(challenger.feature_service))

    @bentoml.api
    def reload(self) -> dict:
        """Load the current ``@champion`` (after a promotion) without restarting the service."""
        self._load_champion()
        return {"model": self.model_name}

    @bentoml.api
    def score(self, viewer_id: int, status_ids: list[int], author_ids: list[int],
              ages_seconds: list[float], alias: str = "champion") -> dict:
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
        return {"scores": ranker.combine(probabilities).tolist(),
                "heads": {head: probabilities[:, i].tolist() for i, head in enumerate(ranker.heads)},
                "model": self.models[alias][1]}

    def _score(self, viewer_id: int, status_ids: list[int], author_ids: list[int],
               ages_seconds: list[float], alias: str = "champion") -> np.ndarray:
        """P(engagement) per candidate and head."""
        ranker, _, feature_service = self.models[alias]
        rows = {"viewer_id": [viewer_id] * len(status_ids), "author_id": list(author_ids),
                "status_id": list(status_ids), "age_seconds": [float(a) for a in ages_seconds]}
        response = self.store.get_online_features(features=feature_service, entity_rows=rows)
        return ranker.predict_heads(numeric_columns(response, ranker.feature_names))
