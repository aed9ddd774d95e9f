"""Follow suggestions as a BentoML service: ``models:/follow-suggest@champion``.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.suggest.service:SuggestService --port $AGORA_SUGGEST_PORT

``POST /suggest`` with ``{"viewer_id": 1, "following_ids": [...], "recently_followed_ids":
[...], "limit": 40}`` (the follows from the live database, oldest first) returns
``{"suggestions": [{"account_id", "score", "sources", "similar_to"}...], "model":
"follow-suggest/<version>"}``, best first: candidates from the model's graph snapshot
(friends of friends, FAISS neighbours of the recent follows, popular in the viewer's
communities, interactions and followers not followed back), ranked by its classifier --
all in ``models/suggest``, never a copy. The API filters the answer again against the
database (blocks, mutes, suspensions, dismissals, new follows).

``POST /score`` with ``{"pairs": [[viewer_id, account_id], ...]}`` returns P(follow) per
pair. It is batchable: concurrent calls are merged into one featurisation + one
``predict_proba``. ``/suggest`` is not: its cost is candidate generation for one viewer,
which does not vectorise across viewers. ``POST /reload`` loads the current champion.
"""

from __future__ import annotations

import bentoml
import numpy as np
from bentoml.exceptions import InvalidArgument

from agora.heap import freeze_startup_heap

#: Upper bound of the time a request may wait for its batch; BentoML's dispatcher adapts the
#: actual wait to the load and answers 503 to requests it cannot serve within it (50 ms did
#: that under 8 concurrent callers on a busy 2-core box). The caller's budget bounds the wait.
MAX_BATCH_LATENCY_MS = 1000


@bentoml.service(name="follow-suggest", workers=1, traffic={"timeout": 10})
class SuggestService:
    def __init__(self) -> None:
        self._load_champion()
        freeze_startup_heap()

    def _load_champion(self) -> None:
        from agora.settings import get_settings
        from models.suggest.suggester import load_registered

        self.suggester, self.version = load_registered(get_settings())
        self.model_name = self.suggester.name
        self.suggester.suggest(0, [], [], limit=1)  # first call pays the sparse-index setup

    @bentoml.api
    def reload(self) -> dict:
        """Load the current ``@champion`` (after a promotion) without restarting the service."""
        self._load_champion()
        return {"model": self.model_name}

    @bentoml.api
    def suggest(self, viewer_id: int, following_ids: list[int], recently_followed_ids: list[int],
                limit: int = 40) -> dict:
        if not 1 <= limit <= 500:
            raise InvalidArgument("limit must be between 1 and 500")
        found = self.suggester.suggest(viewer_id, following_ids, recently_followed_ids, limit=limit)
        return {"suggestions": [{"account_id": s.account_id, "score": s.score, "sources": s.sources,
                                 "similar_to": s.similar_to} for s in found],
                "model": self.model_name}

    @bentoml.api(batchable=True, batch_dim=0, max_batch_size=4096, max_latency_ms=MAX_BATCH_LATENCY_MS)
    def score(self, pairs: np.ndarray) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        snapshot = self.suggester.snapshot
        return self.suggester.score(snapshot.index_of(pairs[:, 0]), snapshot.index_of(pairs[:, 1]))
