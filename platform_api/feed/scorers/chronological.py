from __future__ import annotations

import numpy as np

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery


class ChronologicalScorer:
    """The backup order: newest first (score = creation time)."""

    name = "chronological"
    writes = {F.SCORE}

    def score(self, query: FeedQuery, candidates) -> tuple[np.ndarray, str]:
        return candidates[F.CREATED_AT].to_numpy(dtype=float), "chronological"
