"""Offline evaluation of the ranker on the held-out time slice of the synthetic world, scored
with the world's ground-truth P(like) as the gain (``agora.world_truth``).

Two protocols, both on the validation slice (the time after the training split):

- **candidate pool** (the headline ``ndcg@k``): the feed's job. For each sampled held-out viewer,
  one home-feed request at the time of their first held-out impression, whose candidates are
  every post of the :data:`CANDIDATE_WINDOW` before it (the look-back of the out-of-network
  sources) that the viewer did not write and had not been shown. Each candidate gets the same
  point-in-time Feast features as training, and the pool is ranked three ways — the model's
  combined score Σ wᵢ·pᵢ, chronological (the home timeline's order: followed accounts' posts
  newest first, then the rest newest first), likes so far (popularity) — and NDCG@k is how much
  of the best possible top k each order puts there;
- **shown** (``ndcg@k_shown``): re-ordering only what the world's sessions showed the viewer
  (a median of eight posts). Every order of so short a list keeps most of the ideal gain —
  chronological already scores ~0.85 and a perfect order 1.0 — so it barely separates rankers.

AUC per head is measured against what viewers actually did on the shown impressions."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from agora.events import EventType
from agora.settings import Settings
from agora.world_truth import WorldTruth
from models.ranker.dataset import read_lake
from models.ranker.model import TWITTER_WEIGHTS

MIN_CANDIDATES = 5
#: A request's candidates: posts of the last three days, as far back as the out-of-network
#: sources (social proof, popular in topics) look.
CANDIDATE_WINDOW = timedelta(days=3)
#: Held-out viewers whose feed request is evaluated (each pool is a few hundred Feast rows).
POOL_VIEWERS = 200
ORDERS = ("model", "chronological", "popularity")


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


def candidate_pool(events_dir, validation: pd.DataFrame, *, viewers: int = POOL_VIEWERS,
                   window: timedelta = CANDIDATE_WINDOW, seed: int = 0) -> pd.DataFrame:
    """Feast entity rows of one feed request per sampled held-out viewer (see the module's
    docstring): viewer_id, author_id, status_id, event_timestamp (the request), age_seconds."""
    requests = validation.groupby("viewer_id")["event_timestamp"].min()
    rng = np.random.default_rng(seed)
    requests = requests.loc[np.sort(rng.choice(requests.index.to_numpy(), min(viewers, len(requests)),
                                               replace=False))]
    events = read_lake(events_dir, [EventType.STATUS_CREATED, EventType.IMPRESSION])
    kind = events["event_type"]
    posts = events.loc[kind == str(EventType.STATUS_CREATED), ["status_id", "author_id", "occurred_at"]] \
        .drop_duplicates("status_id").sort_values("occurred_at", ignore_index=True)
    created = _seconds(posts["occurred_at"])
    times = _seconds(requests)
    first = np.searchsorted(created, times - window.total_seconds(), side="left")
    last = np.searchsorted(created, times, side="left")
    counts = last - first
    index = np.concatenate([np.arange(a, b) for a, b in zip(first, last)]) if counts.sum() else np.array([], int)
    pool = pd.DataFrame({
        "viewer_id": np.repeat(requests.index.to_numpy(), counts),
        "author_id": posts["author_id"].to_numpy()[index],
        "status_id": posts["status_id"].to_numpy()[index],
        "event_timestamp": pd.to_datetime(np.repeat(requests.to_numpy(), counts), utc=True),
        "age_seconds": np.repeat(times, counts) - created[index],
    })
    shown = events.loc[kind == str(EventType.IMPRESSION), ["actor_id", "status_id", "occurred_at"]] \
        .rename(columns={"actor_id": "viewer_id"})
    seen = pool.merge(shown, on=["viewer_id", "status_id"])
    seen = seen.loc[seen["occurred_at"] < seen["event_timestamp"], ["viewer_id", "status_id"]].drop_duplicates()
    pool = pool.merge(seen, on=["viewer_id", "status_id"], how="left", indicator=True)
    pool = pool[(pool.pop("_merge") == "left_only") & (pool["author_id"] != pool["viewer_id"])] \
        .reset_index(drop=True)
    # Feast's file offline store keeps one row per (join keys, event timestamp) of each view it
    # joins (dask.py's _drop_duplicates), which would fold a request's candidates into one row per
    # viewer: each candidate is stamped a microsecond after the one before (age_seconds stays the
    # request's; the features are snapshots hours apart).
    pool["event_timestamp"] += pd.to_timedelta(pool.groupby("viewer_id").cumcount(), unit="us")
    return pool


def _seconds(times: pd.Series) -> np.ndarray:
    return (pd.to_datetime(times, utc=True) - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()


def evaluate_ranker(settings: Settings, k: int = 20, viewers: int | None = None) -> dict:
    from features.store import feature_store
    from models.ranker.dataset import build_dataset
    from models.ranker.predictor import load_registered

    store = feature_store(settings)
    dataset = build_dataset(settings, store)
    predictor, version = load_registered(settings)
    truth = WorldTruth(settings.home / "world")

    validation = dataset.validation()
    shown, probabilities = _ranked(validation.copy(), predictor, truth)
    entities = candidate_pool(settings.events_dir, validation, viewers=viewers or POOL_VIEWERS)
    features = store.get_historical_features(entity_df=entities,
                                             features=store.get_feature_service(predictor.feature_service)).to_df()
    pool, _ = _ranked(features, predictor, truth)
    return {
        f"ndcg@{k}": {name: round(mean_ndcg(pool, name, k), 4) for name in ORDERS},
        f"ndcg@{k}_twitter_weights": round(mean_ndcg(pool, "model_twitter_weights", k), 4),
        f"ndcg@{k}_shown": {name: round(mean_ndcg(shown, name, k), 4) for name in ORDERS},
        "auc": {head: _auc(shown[f"label_{head}"].to_numpy(), probabilities[:, i])
                for i, head in enumerate(predictor.heads)},
        "weights": dict(predictor.model.config.head_weights),
        "model": f"ranker/{version}",
        "candidate_pool": {"viewers": int(pool["viewer_id"].nunique()),
                           "candidates_per_viewer": round(len(pool) / max(pool["viewer_id"].nunique(), 1), 1),
                           "window_hours": CANDIDATE_WINDOW.total_seconds() / 3600},
        "viewers": int(shown["viewer_id"].nunique()),
        "impressions": int(len(shown)),
    }


def _ranked(frame: pd.DataFrame, predictor, truth: WorldTruth) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` (rows with the model's features) with one score column per order and the
    ground-truth ``gain``, keeping the rows the world knows; and the heads' probabilities."""
    probabilities = predictor.predict_heads(frame)
    frame["model"] = predictor.combine(probabilities)
    frame["model_twitter_weights"] = probabilities @ np.array([TWITTER_WEIGHTS.get(h, 0.0) for h in predictor.heads])
    frame["chronological"] = home_timeline_order(frame)
    frame["popularity"] = frame["post_likes"].fillna(0).to_numpy()
    frame["gain"] = truth.like_probability(frame["viewer_id"], frame["status_id"])
    known = frame["gain"].notna().to_numpy()
    return frame[known], probabilities[known]


def home_timeline_order(frame: pd.DataFrame) -> np.ndarray:
    """The chronological home timeline's order: posts of accounts the viewer follows (the
    point-in-time ``va_following`` feature), newest first, then the others, newest first."""
    following = frame["va_following"].fillna(0).to_numpy() > 0
    return np.where(following, 1e12, 0.0) - frame["age_seconds"].to_numpy()


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """None when the slice has only one class (e.g. a world without reposts)."""
    return round(float(roc_auc_score(labels, scores)), 4) if len(np.unique(labels)) > 1 else None
