"""recall@k on the held-out time slice: for every viewer who engaged in the held-out window,
the share of the posts they engaged with that a ranking of the whole candidate pool (every
post alive in that window) puts in its top k.

Baseline ``popularity``: posts ranked by how many engagements they got in the held-out
window from everyone else (an optimistic baseline: it peeks at the window's counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

K_VALUES = (10, 50, 100)
VIEWER_CHUNK = 1024


def recall_at_k(scores: np.ndarray, positives: np.ndarray, k: int) -> np.ndarray:
    """Per row: |top-k of ``scores`` ∩ positives| / |positives| (rows need ≥ 1 positive)."""
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    hits = np.take_along_axis(positives, top, axis=1).sum(1)
    return hits / positives.sum(1)


def evaluate_retrieval(data, viewer_vectors, post_vectors: np.ndarray, pool: pd.DataFrame) -> dict[str, float]:
    """``viewer_vectors(viewer_ids) -> (V, d)``; ``post_vectors`` has one row per ``pool`` post."""
    held_out = data.validation()
    column = pd.Series(np.arange(len(pool)), index=pool["status_id"].to_numpy())
    held_out = held_out.assign(col=held_out["status_id"].map(column)).dropna(subset=["col"])
    viewers, rows = np.unique(held_out["viewer_id"].to_numpy(), return_inverse=True)
    popularity = np.bincount(held_out["col"].astype(int), minlength=len(pool)).astype(np.float64)
    sums = {f"{name}_recall_at_{k}": 0.0 for name in ("model", "popularity") for k in K_VALUES}
    for start in range(0, len(viewers), VIEWER_CHUNK):
        chunk = slice(start, start + VIEWER_CHUNK)
        positives = np.zeros((len(viewers[chunk]), len(pool)), dtype=bool)
        mine = (rows >= start) & (rows < start + VIEWER_CHUNK)
        positives[rows[mine] - start, held_out["col"].to_numpy()[mine].astype(int)] = True
        model_scores = viewer_vectors(viewers[chunk]) @ post_vectors.T
        popular_scores = popularity[None, :] - positives
        for k in K_VALUES:
            sums[f"model_recall_at_{k}"] += recall_at_k(model_scores, positives, k).sum()
            sums[f"popularity_recall_at_{k}"] += recall_at_k(popular_scores, positives, k).sum()
    result = {name: float(total / max(len(viewers), 1)) for name, total in sums.items()}
    result.update(eval_viewers=float(len(viewers)), eval_pool=float(len(pool)), eval_positives=float(len(held_out)))
    return result
