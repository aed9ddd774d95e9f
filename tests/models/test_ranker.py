"""The multi-task ranker: model and preprocessing units, the labelled dataset, training → MLflow
registry → promotion gate, score weights, and ``agora evaluate ranker --json``, on the synthetic
world's lake and Feast features."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

import ml_chain
from agora.events import EventType
from models.ranker.dataset import LABEL_WINDOW, labelled_impressions
from models.ranker.model import HEADS, Ranker, RankerConfig
from models.ranker.predictor import MODEL_NAME, RankerPredictor, load_registered
from models.ranker.preprocessing import FeaturePreprocessor


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).ranker()


def test_ranker_maps_a_batch_of_features_to_one_probability_per_head():
    model = Ranker(RankerConfig(n_features=5, hidden=(8, 4)))
    probabilities = model.predict_proba(torch.randn(16, 5))
    assert HEADS == ("like", "reply", "repost", "click", "negative")
    assert probabilities.shape == (16, len(HEADS))
    assert bool(((probabilities > 0) & (probabilities < 1)).all())


def test_score_weights_from_the_config_decide_the_order():
    """Σ wᵢ·pᵢ: a post likely to be liked but also likely to be hidden ranks first without a
    negative weight, and last once the negative head weighs -20 likes."""
    prep = FeaturePreprocessor(["a"], [], [0.0], [1.0])
    probabilities = np.array([[0.5, 0.0, 0.0, 0.0, 0.10],    # liked, but often hidden
                              [0.3, 0.0, 0.0, 0.0, 0.00],
                              [0.3, 0.05, 0.0, 0.0, 0.00]])  # the same, and sometimes replied to
    def order(weights):
        predictor = RankerPredictor(Ranker(RankerConfig(n_features=1, head_weights=weights)), prep, "ranker_v2")
        scores = predictor.combine(probabilities)
        assert (scores >= 0).all()  # shifted so the feed's multiplicative discounts push down
        return list(np.argsort(-scores, kind="stable"))

    assert order({"like": 1.0})[0] == 0
    assert order({"like": 1.0, "negative": -20.0})[-1] == 0
    assert order({"like": 1.0, "reply": 4.0, "negative": -20.0}) == [2, 1, 0]


def test_preprocessor_logs_counts_standardises_and_reads_feast_nulls_as_zero():
    frame = pd.DataFrame({"likes": [0, 3, 7, 100], "like_rate": [0.1, 0.2, 0.3, 0.4]})
    prep = FeaturePreprocessor.fit(frame, ["likes", "like_rate"])
    assert prep.log_features == ["likes"]
    x = prep.transform(frame)
    assert x.dtype == np.float32 and np.allclose(x.mean(axis=0), 0, atol=1e-6)
    online = {"likes": [None, 3], "like_rate": [0.2, None]}  # Feast's to_dict() for unknown entities
    same = FeaturePreprocessor.from_dict(json.loads(json.dumps(prep.to_dict())))
    expected = prep.transform(pd.DataFrame({"likes": [0, 3], "like_rate": [0.2, 0.0]}))
    assert np.allclose(same.transform(online), expected)


def test_label_is_a_like_of_that_status_within_a_day_of_the_impression(chain):
    rows = labelled_impressions(chain.settings.events_dir)
    lake = pd.read_parquet(chain.settings.events_dir)
    likes = lake[lake["event_type"] == str(EventType.FAVOURITED)]
    for row in rows.sample(200, random_state=5).itertuples():
        mine = likes[(likes["actor_id"] == row.viewer_id) & (likes["status_id"] == row.status_id)]
        delay = mine["occurred_at"] - row.event_timestamp
        assert row.label == int(((delay >= pd.Timedelta(0)) & (delay <= LABEL_WINDOW)).any())
    # Impressions whose 24 h are not over yet have no final label and are left out.
    assert rows["event_timestamp"].max() <= lake["occurred_at"].max() - LABEL_WINDOW
    assert 0.03 < rows["label"].mean() < 0.5
    assert (rows["label"] == rows["label_like"]).all()
    for head in HEADS:  # every head has positives and negatives in this world
        assert 0 < rows[f"label_{head}"].mean() < 0.6, head


def test_training_registers_the_first_model_as_champion(chain):
    from mlflow import MlflowClient

    result = chain.results["ranker"]
    assert result.promoted and result.alias == "champion" and result.champion_version is None
    assert result.metrics["val_auc"] > 0.7, result.metrics
    assert 0 < result.metrics["val_log_loss"] < 0.6
    for head in HEADS:  # every head is trained and measured: AUC, log loss, calibration
        for metric in ("auc", "log_loss", "ece"):
            value = result.metrics[f"val_{metric}_{head}"]
            assert math.isfinite(value) and value >= 0, (head, metric, value)
        assert result.metrics[f"val_auc_{head}"] > 0.5, (head, result.metrics)
    assert 0 < result.metrics["val_ndcg_20"] <= 1
    client = MlflowClient(tracking_uri=chain.settings.mlflow_uri, registry_uri=chain.settings.mlflow_uri)
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == result.version
    run = client.get_run(result.run_id)
    assert run.data.params["feature_service"] == "ranker_v3"
    assert run.data.metrics["val_ece_negative"] == pytest.approx(result.metrics["val_ece_negative"])
    assert run.data.metrics["val_auc"] == pytest.approx(result.metrics["val_auc"])

    predictor, version = load_registered(chain.settings)
    assert version == result.version and predictor.name == f"ranker/{version}"
    assert predictor.feature_names == result.feature_names and "va_following" in predictor.feature_names
    assert {"topic_like_rate", "topic_cosine", "live_likes", "post_like_rate_so_far"} <= set(predictor.feature_names)
    # Everything serving needs travels with the model: heads and score weights included.
    assert predictor.feature_service == "ranker_v3"
    assert predictor.heads == HEADS and predictor.model.config.head_weights["negative"] < 0
    assert len(predictor.preprocessor.mean) == len(predictor.feature_names)


def test_the_champion_prefers_popular_and_favourite_authors(chain):
    predictor, _ = load_registered(chain.settings)
    frame = pd.DataFrame({name: [0.0, 0.0] for name in predictor.feature_names})
    frame.loc[0, ["author_like_rate", "va_likes", "va_impressions"]] = [0.4, 3.0, 5.0]
    frame.loc[1, ["author_like_rate", "va_likes", "va_impressions"]] = [0.03, 0.0, 5.0]
    frame["age_hours"], frame["log_age_hours"] = 2.0, np.log1p(2.0)
    liked, ignored = predictor.predict(frame)
    assert liked > 2 * ignored


def test_a_worse_model_is_registered_but_stays_challenger(chain):
    from mlflow import MlflowClient

    from features.store import feature_store
    from models.ranker.dataset import build_dataset
    from models.ranker.train import train_ranker

    champion = chain.results["ranker"]
    untrained = replace(RankerConfig(), epochs=0, seed=3)  # the random initialisation, as a "model"
    dataset = build_dataset(chain.settings, feature_store(chain.settings))
    result = train_ranker(chain.settings, config=untrained, dataset=dataset)  # rows built once, as notebook 02 does

    assert (result.n_train, result.n_val) == (len(dataset.train()), len(dataset.validation()))
    assert result.alias == "challenger" and not result.promoted
    assert result.champion_version == champion.version
    # The gate re-scored the champion on this run's validation rows.
    assert result.champion_value == pytest.approx(champion.metrics["val_auc"], abs=1e-9)
    assert result.metrics["val_auc"] < result.champion_value
    client = MlflowClient(tracking_uri=chain.settings.mlflow_uri, registry_uri=chain.settings.mlflow_uri)
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == champion.version
    assert str(client.get_model_version_by_alias(MODEL_NAME, "challenger").version) == result.version


def test_predictor_round_trips_through_a_directory(tmp_path):
    prep = FeaturePreprocessor(["a", "b_rate"], ["a"], [1.0, 0.5], [2.0, 0.1])
    predictor = RankerPredictor(Ranker(RankerConfig(n_features=2, hidden=(4,), head_weights={"like": 2.0})),
                                prep, "ranker_v2")
    loaded = RankerPredictor.load(predictor.save(tmp_path / "ranker"))
    columns = {"a": [0, 10], "b_rate": [0.4, 0.6]}
    assert np.allclose(loaded.predict_heads(columns), predictor.predict_heads(columns))
    assert np.allclose(loaded.score(columns), 2.0 * predictor.predict(columns))


def _write_world_truth(settings, world: ml_chain.World) -> None:
    """The test world's ground truth in ``agora.world_truth``'s format: one topic everybody
    likes, popular authors' posts of high quality, the follow graph as written."""
    out = settings.home / "world"
    out.mkdir(parents=True, exist_ok=True)
    posts = [r for r in world.rows if r["event_type"] == str(EventType.STATUS_CREATED)]
    follows = [r for r in world.rows if r["event_type"] == str(EventType.FOLLOWED)]
    pd.DataFrame({"account_id": list(ml_chain.ACCOUNTS), "interest_all": 1.0, "spam": False}) \
        .to_parquet(out / "users.parquet")
    pd.DataFrame({"status_id": [r["status_id"] for r in posts], "author_id": [r["author_id"] for r in posts],
                  "topic": 0, "quality": [1.0 if r["author_id"] in ml_chain.POPULAR_AUTHORS else 0.2 for r in posts],
                  "spam": False}).to_parquet(out / "posts.parquet")
    pd.DataFrame({"account_id": [r["actor_id"] for r in follows],
                  "target_account_id": [r["target_account_id"] for r in follows]}).to_parquet(out / "follows.parquet")
    (out / "world.json").write_text(json.dumps({"topics": ["all"]}))


def test_evaluate_ranker_prints_ndcg_against_baselines_and_auc_per_head(chain, capsys):
    from agora.cli import main

    _write_world_truth(chain.settings, chain.world)
    with ml_chain.home_env(chain.settings):
        assert main(["evaluate", "ranker", "--json", "--viewers", "10"]) == 0
    result = json.loads(capsys.readouterr().out)

    for protocol in ("ndcg@20", "ndcg@20_shown"):
        assert set(result[protocol]) == {"model", "chronological", "popularity"}
        assert all(0 < v <= 1 for v in result[protocol].values())
        # This world's truth favours popular authors, which the model has learnt and the clock has not.
        assert result[protocol]["model"] > result[protocol]["chronological"]
    assert set(result["auc"]) >= {"like", "reply", "repost", "negative"}
    assert all(0 < result["auc"][head] < 1 for head in ("like", "reply", "repost", "negative"))
    # One request per sampled viewer, ranking every post of the three days before it: far more
    # than the handful of posts a viewer was shown.
    pool = result["candidate_pool"]
    assert pool["viewers"] == 10 and pool["window_hours"] == 72
    assert pool["candidates_per_viewer"] > 5 * result["impressions"] / result["viewers"]
    assert result["model"] == f"ranker/{chain.results['ranker'].version}"


def test_a_feed_request_pools_the_posts_of_the_window_before_it_that_the_viewer_has_not_seen(tmp_path):
    """The candidate pool of ``agora evaluate ranker``: for viewer 1's request at noon, the posts
    of the three days before it — not the viewer's own, not one shown before noon, not one older
    than the window or written after the request — each with its age at the request."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from agora.events import LAKE_SCHEMA
    from models.ranker.offline_eval import candidate_pool

    noon = pd.Timestamp("2026-12-01 12:00", tz="UTC")
    hour = pd.Timedelta(hours=1)
    rows = [(EventType.STATUS_CREATED, noon - 2 * hour, 7, 101, 7),      # in the pool, 2 h old
            (EventType.STATUS_CREATED, noon - 70 * hour, 8, 102, 8),     # in the pool, 70 h old
            (EventType.STATUS_CREATED, noon - 80 * hour, 8, 103, 8),     # older than the window
            (EventType.STATUS_CREATED, noon + hour, 7, 104, 7),          # after the request
            (EventType.STATUS_CREATED, noon - hour, 1, 105, 1),          # the viewer's own
            (EventType.STATUS_CREATED, noon - 3 * hour, 9, 106, 9),      # shown at 11:00: seen
            (EventType.IMPRESSION, noon - hour, 1, 106, 9),
            (EventType.STATUS_CREATED, noon - 4 * hour, 9, 107, 9),      # shown only at noon: in
            (EventType.IMPRESSION, noon, 1, 107, 9)]
    events = pa.Table.from_pylist([
        {"event_id": i, "event_type": str(kind), "occurred_at": at.to_pydatetime(), "actor_id": actor,
         "status_id": status, "author_id": author, "target_account_id": None, "payload": None}
        for i, (kind, at, actor, status, author) in enumerate(rows)], schema=LAKE_SCHEMA)
    (tmp_path / "date=2026-12-01").mkdir()
    pq.write_table(events, tmp_path / "date=2026-12-01" / "part.parquet")
    validation = pd.DataFrame({"viewer_id": [1, 1], "event_timestamp": [noon, noon + hour]})

    pool = candidate_pool(tmp_path, validation).sort_values("status_id")

    assert pool["status_id"].tolist() == [101, 102, 107]
    assert pool["author_id"].tolist() == [7, 8, 9]
    assert (pool["viewer_id"] == 1).all()
    # At the request, each a microsecond apart: Feast's file store would fold rows sharing a timestamp.
    assert pool["event_timestamp"].is_unique
    assert ((pool["event_timestamp"] - noon) < pd.Timedelta(milliseconds=1)).all()
    assert pool["age_seconds"].tolist() == [2 * 3600, 70 * 3600, 4 * 3600]


def test_the_chronological_baseline_is_the_home_timelines_order():
    """Followed accounts' posts newest first, then the rest newest first (a missing feature: not followed)."""
    from models.ranker.offline_eval import home_timeline_order

    frame = pd.DataFrame({"va_following": [0, 1, np.nan, 1], "age_seconds": [10.0, 500.0, 5.0, 20.0]})
    assert np.argsort(-home_timeline_order(frame)).tolist() == [3, 1, 2, 0]
