"""Retrieval as a BentoML service: ``models:/retrieval@champion``'s viewer tower + the FAISS
index of post vectors built by ``agora index build``.

Start (repo root as cwd, ``AGORA_HOME`` set)::

    bentoml serve serving.retrieval.service:RetrievalService --port $AGORA_RETRIEVAL_PORT

``POST /neighbours`` with ``{"viewer_ids": [1]}`` returns one ``{"status_ids": [...],
"scores": [...], "model": "retrieval/<version>"}`` per viewer: the ``AGORA_RETRIEVAL_K`` posts
whose vectors are nearest the viewer's. The endpoint is batchable: concurrent requests are
merged (adaptive batching) into one viewer-tower pass and one index search.
``POST /add`` with ``{"posts": [{"status_id", "author_id", "text", "tags"}]}`` puts new posts
into the index as they are created (the API sends each public post after its commit): the text
is embedded with MiniLM, the champion's post tower makes its vector, and HNSW takes it at once.
These additions live in memory and outlive a ``/reload`` (re-vectorised by the new model) until
the index on disk holds them: ``agora index update`` (from the event lake) writes the exported
ones to disk and catches any the service missed.
``POST /reload`` loads the current champion and the index on disk (after ``agora index build``
or ``update``); ``POST /info`` says which model and how many posts the index holds."""

from __future__ import annotations

import threading

import bentoml
import numpy as np
from pydantic import BaseModel, Field

from agora.heap import freeze_startup_heap


class NewPost(BaseModel):
    status_id: int
    author_id: int
    text: str = Field(max_length=20_000)
    tags: list[str] = []


#: A reload (MLflow model + index from disk) can take tens of seconds on a loaded box; the feed's
#: neighbours calls are bounded by their own client budget and the batcher's max_latency_ms.
@bentoml.service(name="retrieval", workers=1, traffic={"timeout": 120})
class RetrievalService:
    def __init__(self) -> None:
        import faiss
        import torch

        from models.retrieval.text_embeddings import MiniLMEncoder

        torch.set_num_threads(1)
        faiss.omp_set_num_threads(1)
        self.encoder = MiniLMEncoder()
        self.encoder.encode(["warm up"])  # loads MiniLM now, not in the first post's request
        # FAISS HNSW is not safe to search while it is being added to; reload swaps the index.
        self._lock = threading.Lock()
        self._live: dict[int, tuple[np.ndarray, int, list[str]]] = {}  # added here, not on disk yet
        self._load()
        freeze_startup_heap()

    def _load(self) -> None:
        from agora.settings import get_settings
        from models.retrieval.index import PostIndex
        from models.retrieval.predictor import load_registered

        settings = get_settings()
        predictor, version = load_registered(settings)
        index = PostIndex.load(settings.index_dir)
        with self._lock:
            if self._live:  # posts added since the last load that the disk does not hold yet
                ids = np.fromiter(self._live, dtype=np.int64)
                text, authors, tags = zip(*self._live.values())
                missing = index.add(ids, predictor.post_vectors(np.stack(text), list(authors), list(tags)))
                self._live = {int(i): self._live[int(i)] for i in ids[missing]}
            self.k = settings.retrieval_k
            self.predictor, self.model_name, self.index = predictor, f"retrieval/{version}", index
        self._neighbours(np.array([0]))  # warm up

    @bentoml.api
    def reload(self) -> dict:
        self._load()
        return self._info()

    @bentoml.api
    def info(self) -> dict:
        return self._info()

    def _info(self) -> dict:
        meta = self.index.meta
        return {"model": self.model_name, "index_model": meta.model, "posts": meta.count, "watermark": meta.watermark}

    @bentoml.api(batchable=True, max_batch_size=64, max_latency_ms=2000)
    def add(self, posts: list[NewPost]) -> list[bool]:
        """One flag per post: True if it went in, False if the index had it already."""
        text = self.encoder.encode([p.text for p in posts])
        with self._lock:
            vectors = self.predictor.post_vectors(text, [p.author_id for p in posts], [p.tags for p in posts])
            added = self.index.add(np.array([p.status_id for p in posts], dtype=np.int64), vectors)
            self._live.update((p.status_id, (text[i], p.author_id, p.tags)) for i, p in enumerate(posts) if added[i])
        return added.tolist()

    #: BentoML sheds a request (503) once its batch cannot finish within max_latency_ms; 250 ms
    #: stays under the feed's 300 ms budget while a loaded box still answers.
    @bentoml.api(batchable=True, max_batch_size=64, max_latency_ms=250)
    def neighbours(self, viewer_ids: list[int]) -> list[dict]:
        return self._neighbours(np.asarray(viewer_ids, dtype=np.int64))

    def _neighbours(self, viewer_ids: np.ndarray) -> list[dict]:
        with self._lock:
            vectors = self.predictor.viewer_vectors(viewer_ids, self.index.history)
            scores, ids = self.index.search(vectors, self.k)
        found = ids >= 0
        return [{"status_ids": ids[i][found[i]].tolist(), "scores": np.round(scores[i][found[i]], 5).tolist(),
                 "model": self.model_name} for i in range(len(viewer_ids))]
