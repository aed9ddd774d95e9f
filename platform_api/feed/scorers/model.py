from __future__ import annotations

import numpy as np

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.stage import StageFailed


class ModelScorer:
    """Scores every candidate with the ranker service in one call; any failure is a ``StageFailed``."""

    name = "ranker"
    writes = {F.SCORE}

    def __init__(self, client):
        self.client = client
        self.model_name: str | None = None

    def score(self, query: FeedQuery, candidates) -> tuple[np.ndarray, str]:
        if candidates.empty:
            return np.zeros(0), self.model_name or "none"
        try:
            scores, model_name = self.client.score(
                viewer_id=query.viewer.id,
                status_ids=candidates[F.STATUS_ID].astype(int).tolist(),
                author_ids=candidates[F.AUTHOR_ID].astype(int).tolist(),
                ages_seconds=(query.now - candidates[F.CREATED_AT]).clip(lower=0).astype(float).tolist(),
                alias=query.ranker_alias,
            )
        except Exception as exc:  # noqa: BLE001 - any ranker failure means: fall back
            raise StageFailed(f"ranker unavailable: {exc.__class__.__name__}: {exc}") from exc
        scores = np.asarray(scores, dtype=float)
        if scores.shape[0] != len(candidates):
            raise StageFailed("ranker returned a wrong number of scores")
        self.model_name = model_name
        return scores, model_name
