"""The text moderation model as a BentoML service: ``models:/moderation-text@champion``.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.moderation.service:ModerationService --port $AGORA_MODERATION_PORT

``POST /classify`` with ``{"texts": ["...", ...]}`` returns one
``{"label": "offensive", "scores": {"hate": .., "offensive": .., "neither": ..}, "model":
"moderation-text/<version>"}`` per text, in order. The endpoint is batchable: concurrent
requests (one post each, from many API workers) are merged into one forward pass by BentoML's
adaptive batching. ``POST /reload`` loads the current champion; ``/readyz`` is BentoML's.
"""

from __future__ import annotations

import bentoml

from agora.heap import freeze_startup_heap

#: Upper bound of the time a request may wait for its batch to fill; BentoML's dispatcher
#: adapts the actual wait to the observed load (a lone request is sent at once). The API's
#: budget (AGORA_MODERATION_TIMEOUT_MS) is what bounds a post's wait.
MAX_BATCH_LATENCY_MS = 1000


@bentoml.service(name="moderation", workers=1, traffic={"timeout": 10})
class ModerationService:
    def __init__(self) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch

        torch.set_num_threads(int(os.environ.get("AGORA_MODERATION_THREADS", "1")))
        self._load_champion()
        freeze_startup_heap()

    def _load_champion(self) -> None:
        from models.moderation.classifier import TextModerator

        self.moderator = TextModerator.load()
        self.moderator.classify(["warm up"])  # first call pays tokenizer and kernel setup

    @bentoml.api
    def reload(self) -> dict:
        """Load the current ``@champion`` (after a promotion) without restarting the service."""
        self._load_champion()
        return {"model": self.moderator.name}

    @bentoml.api(batchable=True, batch_dim=0, max_batch_size=64, max_latency_ms=MAX_BATCH_LATENCY_MS)
    def classify(self, texts: list[str]) -> list[dict]:
        model = self.moderator.name
        return [{**result, "model": model} for result in self.moderator.classify(texts)]
