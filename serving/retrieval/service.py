"""Retrieval as a BentoML service: ``models:/retrieval@champion``'s viewer tower + the FAISS
index of post vectors built by ``agora index build``.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.retrieval.service:RetrievalService --port $AGORA_RETRIEVAL_PORT

``POST /neighbours`` with ``{"viewer_ids": [1]}`` returns one ``{"status_ids": [...],
"scores": [...], "model": "retrieval/<version>"}`` per viewer: the ``AGORA_RETRIEVAL_K`` posts
whose vectors are nearest the viewer's. The endpoint is batchable: concurrent requests are
merged (adaptive batching) into one viewer-tower pass and one index search.
``POST /reload`` loads the current champion and the index on disk (after ``agora index build``
or ``update``)."""

from __future__ import annotations

import bentoml
import numpy as np


@bentoml.service(name="retrieval", workers=1, traffic={"timeout": 10})
class RetrievalService:
    def __init__(self) -> None:
        import faiss
        import torch

        torch.set_num_threads(1)
        faiss.omp_set_num_threads(1)
        self._load()

    def _load(self) -> None:
        from agora.settings import get_settings
        from models.retrieval.index import PostIndex
        from models.retrieval.predictor import load_registered

        settings = get_settings()
        self.k = settings.retrieval_k
        self.predictor, version = load_registered(settings)
        self.model_name = f"retrieval/{version}"
        self.index = PostIndex.load(settings.index_dir)
        self._neighbours(np.array([0]))  # warm up

    @bentoml.api
    def reload(self) -> dict:
        self._load()
        return {"model": self.model_name, "index_model": self.index.meta.model, "posts": self.index.meta.count}

    #: BentoML sheds a request (503) once its batch cannot finish within max_latency_ms; 250 ms
    #: stays under the feed's 300 ms budget while a loaded box still answers.
    @bentoml.api(batchable=True, max_batch_size=64, max_latency_ms=250)
    def neighbours(self, viewer_ids: list[int]) -> list[dict]:
        return self._neighbours(np.asarray(viewer_ids, dtype=np.int64))

    def _neighbours(self, viewer_ids: np.ndarray) -> list[dict]:
        vectors = self.predictor.viewer_vectors(viewer_ids, self.index.history)
        scores, ids = self.index.search(vectors, self.k)
        found = ids >= 0
        return [{"status_ids": ids[i][found[i]].tolist(), "scores": np.round(scores[i][found[i]], 5).tolist(),
                 "model": self.model_name} for i in range(len(viewer_ids))]
