"""The post-vector index the retrieval service searches: FAISS HNSW (inner product on unit
vectors = cosine) wrapped in an ``IndexIDMap2`` so ids are status ids, extendable with
``add_with_ids`` as posts arrive.

Why HNSW: at our sizes (10^4–10^6 posts × 64-d) it answers in well under a millisecond with
recall ≈ 0.99 against exact search and needs no training step, so new posts go in at once;
IVF would need re-training as the post distribution drifts. Each build measures its recall@100
and latency against an exact ``IndexFlatIP`` on the same vectors and stores them in ``meta.json``.

Layout of ``$AGORA_HOME/index/``: ``posts.faiss`` (the index), ``meta.json`` (model version,
watermark = highest status id, counts, measured recall/latency), ``viewers.npz`` (the viewer
histories the viewer tower reads at serving time)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from models.retrieval.dataset import ViewerHistory

HNSW_M = 32
EF_CONSTRUCTION = 80
EF_SEARCH = 128
INDEX_FILE = "posts.faiss"
META_FILE = "meta.json"
VIEWERS_FILE = "viewers.npz"


@dataclass
class IndexMeta:
    model: str
    dim: int
    count: int
    watermark: int                     # highest status id in the index
    built_at: float
    kind: str = f"IDMap2(HNSWFlat M={HNSW_M}, efConstruction={EF_CONSTRUCTION}, efSearch={EF_SEARCH}, IP)"
    quality: dict = field(default_factory=dict)   # recall@100 and ms/query vs exact IndexFlatIP


def new_index(dim: int):
    import faiss

    hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = EF_CONSTRUCTION
    hnsw.hnsw.efSearch = EF_SEARCH
    return faiss.IndexIDMap2(hnsw)


def measure_against_exact(index, vectors: np.ndarray, queries: np.ndarray, k: int = 100) -> dict:
    """recall@k of ``index`` vs exact inner-product search over ``vectors`` (in the same order as
    the index's ids), and the time per single query of each."""
    import faiss

    faiss.omp_set_num_threads(1)  # one query at a time, as serving asks; threads only add contention
    ids = faiss.vector_to_array(index.id_map)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    k = min(k, len(vectors))

    def per_query_ms(search) -> float:
        started = time.perf_counter()
        for q in queries:
            search(q[None, :], k)
        return (time.perf_counter() - started) * 1000 / max(len(queries), 1)

    _, approx = index.search(queries, k)
    _, truth = exact.search(queries, k)
    recall = np.mean([len(set(a) & set(ids[t])) / k for a, t in zip(approx, truth)])
    return {f"recall@{k}": round(float(recall), 4), "queries": int(len(queries)), "posts": int(len(vectors)),
            "hnsw_ms_per_query": round(per_query_ms(index.search), 4),
            "exact_ms_per_query": round(per_query_ms(exact.search), 4)}


class PostIndex:
    def __init__(self, index, meta: IndexMeta, history: ViewerHistory):
        self.index = index
        self.meta = meta
        self.history = history
        self._ids: set[int] | None = None  # the status ids in the index, read on the first add

    @classmethod
    def build(cls, model: str, post_ids: np.ndarray, vectors: np.ndarray, history: ViewerHistory,
              queries: np.ndarray | None = None) -> PostIndex:
        index = new_index(vectors.shape[1])
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index.add_with_ids(vectors, np.asarray(post_ids, dtype=np.int64))
        quality = measure_against_exact(index, vectors, queries) if queries is not None and len(vectors) else {}
        meta = IndexMeta(model=model, dim=int(vectors.shape[1]), count=int(index.ntotal),
                         watermark=int(np.max(post_ids)) if len(post_ids) else 0, built_at=time.time(),
                         quality=quality)
        return cls(index, meta, history)

    def add(self, post_ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Add the posts not in the index yet; returns, per post, whether it went in. Not only
        ids above the watermark: the service is sent posts as they are created, and two API
        workers can deliver them slightly out of id order."""
        import faiss

        if self._ids is None:
            self._ids = set(faiss.vector_to_array(self.index.id_map).tolist())
        post_ids = np.asarray(post_ids, dtype=np.int64)
        _, first = np.unique(post_ids, return_index=True)
        fresh = np.zeros(len(post_ids), dtype=bool)
        fresh[first] = [int(s) not in self._ids for s in post_ids[first]]
        if fresh.any():
            self.index.add_with_ids(np.ascontiguousarray(vectors[fresh], dtype=np.float32), post_ids[fresh])
            self._ids.update(post_ids[fresh].tolist())
            self.meta.watermark = max(self.meta.watermark, int(post_ids[fresh].max()))
            self.meta.count = int(self.index.ntotal)
        return fresh

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, status ids), each (n_queries, k); missing results have id -1. The search
        beam is widened to ``k`` when k exceeds efSearch (HNSW returns at most its beam)."""
        import faiss

        faiss.downcast_index(self.index.index).hnsw.efSearch = max(EF_SEARCH, k)
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def save(self, directory: Path) -> None:
        """Write beside the old files, then rename over them (a reader never sees half an index)."""
        import faiss

        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(directory / (INDEX_FILE + ".tmp")))
        h = self.history
        with open(directory / (VIEWERS_FILE + ".tmp"), "wb") as out:
            np.savez(out, viewer_ids=h.viewer_ids, text_sum=h.text_sum, count=h.count, authors=h.authors)
        (directory / (META_FILE + ".tmp")).write_text(json.dumps(asdict(self.meta), indent=2))
        for name in (INDEX_FILE, VIEWERS_FILE, META_FILE):
            os.replace(directory / (name + ".tmp"), directory / name)

    @classmethod
    def load(cls, directory: Path) -> PostIndex:
        import faiss

        meta = IndexMeta(**json.loads((directory / META_FILE).read_text()))
        index = faiss.read_index(str(directory / INDEX_FILE))
        faiss.downcast_index(index.index).hnsw.efSearch = EF_SEARCH
        with np.load(directory / VIEWERS_FILE) as v:
            history = ViewerHistory(v["viewer_ids"], v["text_sum"], v["count"], v["authors"])
        return cls(index, meta, history)
