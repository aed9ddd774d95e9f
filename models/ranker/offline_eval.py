"""Offline evaluation of the ranker on the held-out time slice of the synthetic world.

For every viewer in the validation slice, the posts they were shown are ranked three ways —
by the model's combined score Σ wᵢ·pᵢ, newest first (chronological) and by likes so far
(popularity, point-in-time) — and each ranking's NDCG@k is computed with the world's
ground-truth P(like) as the gain. The same heads combined with Twitter's published weights are
reported beside ours. AUC per head is measured against what viewers actually did (the labels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from agora.settings import Settings
from agora.world_truth import WorldTruth
from models.ranker.model import TWITTER_WEIGHTS

MIN_CANDIDATES = 5


def ndcg_at_k(gains_in_ranked_order: np.ndarray, k: int) -> float:
    gains = np.nan_to_num(gains_in_ranked_order)
    discounts = 1.0 / np.log2(np.arange(2, min(k, len(gains)) + 2))
    dcg = float((gains[:k] * discounts).sum())
    ideal = float((np.sort(gains)[::-1][:k] * discounts).sum())
    return dcg / ideal if ideal > 0 else 0.0


def mean_ndcg(frame: pd.DataFrame, score_column: str, k: int) -> float:
    values = [ndcg_at_k(group.sort_values(score_column, ascending=False, kind="stable")["gain"].to_numpy(), k)
              for _, group in frame.groupby("viewer_id") if len(group) >= MIN_CANDIDATES]
    return float(np.mean(values)) if values else float("nan")


def evaluate_ranker(settings: Settings, k: int = 20) -> dict:
    from features.store import feature_store
    from models.ranker.dataset import build_dataset
    from models.ranker.predictor import load_registered

    store = feature_store(settings)
    dataset = build_dataset(settings, store)
    validation = dataset.validation().copy()
    predictor, version = load_registered(settings)
    truth = WorldTruth(settings.home / "world")
    probabilities = predictor.predict_heads(validation)
    validation["model"] = predictor.combine(probabilities)
    validation["model_twitter_weights"] = probabilities @ np.array([TWITTER_WEIGHTS.get(h, 0.0)
                                                                    for h in predictor.heads])
    validation["chronological"] = -validation["age_seconds"].to_numpy()  # newest post first
    validation["popularity"] = validation["post_likes"].fillna(0).to_numpy()
    validation["gain"] = truth.like_probability(validation["viewer_id"], validation["status_id"])
    known = validation["gain"].notna().to_numpy()
    validation, probabilities = validation[known], probabilities[known]
    return {
        f"ndcg@{k}": {name: round(mean_ndcg(validation, name, k), 4)
                      for name in ("model", "chronological", "popularity")},
        "auc": {head: _auc(validation[f"label_{head}"].to_numpy(), probabilities[:, i])
                for i, head in enumerate(predictor.heads)},
        f"ndcg@{k}_twitter_weights": round(mean_ndcg(validation, "model_twitter_weights", k), 4),
        "weights": dict(predictor.model.config.head_weights),
        "model": f"ranker/{version}",
        "viewers": int(validation["viewer_id"].nunique()),
        "impressions": int(len(validation)),
    }


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """None when the slice has only one class (e.g. a world without reposts)."""
    return round(float(roc_auc_score(labels, scores)), 4) if len(np.unique(labels)) > 1 else None
