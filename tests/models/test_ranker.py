"""The ranker: model and preprocessing units, the labelled dataset, and training → MLflow registry
→ promotion gate, on the synthetic world's lake and Feast features."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

import ml_chain
from agora.events import EventType
from models.ranker.dataset import LABEL_WINDOW, labelled_impressions
from models.ranker.model import Ranker, RankerConfig
from models.ranker.predictor import MODEL_NAME, RankerPredictor, load_registered
from models.ranker.preprocessing import FeaturePreprocessor


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).ranker()


def test_ranker_maps_a_batch_of_features_to_probabilities():
    model = Ranker(RankerConfig(n_features=5, hidden=(8, 4)))
    probabilities = model.predict_proba(torch.randn(16, 5))
    assert probabilities.shape == (16,)
    assert bool(((probabilities > 0) & (probabilities < 1)).all())


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


def test_training_registers_the_first_model_as_champion(chain):
    from mlflow import MlflowClient

    result = chain.results["ranker"]
    assert result.promoted and result.alias == "champion" and result.champion_version is None
    assert result.metrics["val_auc"] > 0.7, result.metrics
    assert 0 < result.metrics["val_log_loss"] < 0.6
    client = MlflowClient(tracking_uri=chain.settings.mlflow_uri, registry_uri=chain.settings.mlflow_uri)
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == result.version
    run = client.get_run(result.run_id)
    assert run.data.params["feature_service"] == "ranker_v1"
    assert run.data.metrics["val_auc"] == pytest.approx(result.metrics["val_auc"])

    predictor, version = load_registered(chain.settings)
    assert version == result.version and predictor.name == f"ranker/{version}"
    assert predictor.feature_names == result.feature_names and "va_following" in predictor.feature_names
    # Everything serving needs travels with the model.
    assert predictor.feature_service == "ranker_v1"
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

    from models.ranker.train import train_ranker

    champion = chain.results["ranker"]
    untrained = replace(RankerConfig(), epochs=0, seed=3)  # the random initialisation, as a "model"
    result = train_ranker(chain.settings, config=untrained)

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
    predictor = RankerPredictor(Ranker(RankerConfig(n_features=2, hidden=(4,))), prep, "ranker_v1")
    loaded = RankerPredictor.load(predictor.save(tmp_path / "ranker"))
    columns = {"a": [0, 10], "b_rate": [0.4, 0.6]}
    assert np.allclose(loaded.predict(columns), predictor.predict(columns))
