"""The ranker's hot-row cache (``serving/ranker/hydration.py``) against the real Feast local store
of the test world: the same values as Feast's own ``get_online_features`` with the feature
service (on-demand views included), cold and warm; pushes visible after the TTL; unknown
entities as the model's missing value."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

import ml_chain
from agora.events import EventType
from features.store import feature_store
from models.ranker.predictor import load_registered
from serving.ranker.hydration import FeatureHydrator, SortedKeys, ViewRows

UNKNOWN_STATUS, UNKNOWN_AUTHOR, UNKNOWN_VIEWER = 987_654_321, 876_543_210, 765_432_109


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).ranker()


@pytest.fixture(scope="module")
def store(chain):
    return feature_store(chain.settings)


@pytest.fixture(scope="module")
def predictor(chain):
    return load_registered(chain.settings)[0]


@pytest.fixture(scope="module")
def service(store, predictor):
    return store.get_feature_service(predictor.feature_service)


@pytest.fixture(scope="module")
def candidates(chain):
    lake = pd.read_parquet(chain.settings.events_dir)
    posts = lake[lake["event_type"] == str(EventType.STATUS_CREATED)].head(300)
    return {"status_ids": posts["status_id"].astype("int64").tolist() + [UNKNOWN_STATUS],
            "author_ids": posts["author_id"].astype("int64").tolist() + [UNKNOWN_AUTHOR]}


def _rows(viewer: int, candidates: dict) -> dict:
    n = len(candidates["status_ids"])
    return {"viewer_id": [viewer] * n, "author_id": candidates["author_ids"], "status_id": candidates["status_ids"],
            "age_seconds": [3_600.0 * (i % 48) - 60.0 * (i == 3) for i in range(n)]}


def _feast(store, service, rows: dict) -> dict[str, np.ndarray]:
    """Feast's own answer (None → NaN), the reference the cache must reproduce."""
    answer = store.get_online_features(features=service, entity_rows=rows).to_dict()
    return {name: np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            for name, values in answer.items()}


def _hydrator(store, service, ttl=300.0, live_ttl=300.0, max_rows=500_000) -> FeatureHydrator:
    return FeatureHydrator(store, service, ttl=ttl, live_ttl=live_ttl, max_rows=max_rows)


def test_cold_and_warm_hydration_return_feasts_values(store, service, predictor, candidates):
    rows = _rows(ml_chain.ACCOUNTS[7], candidates)
    expected = _feast(store, service, rows)
    hydrator = _hydrator(store, service)

    cold, cold_stats = hydrator.hydrate(rows)
    warm, warm_stats = hydrator.hydrate(rows)

    assert set(cold) == set(predictor.feature_names) <= set(expected)
    for name in predictor.feature_names:
        np.testing.assert_allclose(cold[name], expected[name], rtol=1e-12, equal_nan=True, err_msg=name)
        np.testing.assert_array_equal(warm[name], cold[name], err_msg=name)
    assert sum(cold_stats.hits.values()) == 0 and cold_stats.feast_calls == 4  # viewer, author, status, pair
    assert sum(warm_stats.misses.values()) == 0 and warm_stats.feast_calls == 0
    # Every stored view was read once, and timed apart (which view a cold viewer waits for).
    assert set(cold_stats.read_seconds) == set(hydrator.views) and all(s > 0 for s in cold_stats.read_seconds.values())
    assert sum(cold_stats.read_seconds.values()) <= cold_stats.feast_seconds and not warm_stats.read_seconds
    assert predictor.predict_heads(warm) == pytest.approx(predictor.predict_heads(expected))


def test_a_request_mixing_cached_and_new_rows_matches_feast(store, service, predictor, candidates):
    hydrator = _hydrator(store, service)
    first = {k: v[:150] for k, v in candidates.items()}
    hydrator.hydrate(_rows(ml_chain.ACCOUNTS[8], first))
    # Another viewer, the same posts reversed plus new ones: statuses and authors partly cached,
    # the viewer's own rows and viewer × author pairs not at all.
    mixed = {k: v[:150][::-1] + v[150:] for k, v in candidates.items()}
    rows = _rows(ml_chain.ACCOUNTS[9], mixed)

    got, stats = hydrator.hydrate(rows)

    expected = _feast(store, service, rows)
    for name in predictor.feature_names:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, equal_nan=True, err_msg=name)
    assert 0 < stats.hits["post_engagement"] < len(rows["status_id"])
    assert stats.hits["viewer_author_affinity"] == 0


def test_unknown_entities_read_as_the_models_missing_value(store, service, predictor):
    rows = {"viewer_id": [UNKNOWN_VIEWER] * 2, "author_id": [UNKNOWN_AUTHOR, ml_chain.AUTHORS[0]],
            "status_id": [UNKNOWN_STATUS, UNKNOWN_STATUS + 1], "age_seconds": [60.0, 7_200.0]}
    got, _ = _hydrator(store, service).hydrate(rows)

    assert np.isnan(got["posts_7d"]).all() and np.isnan(got["post_likes"]).all()
    assert np.isnan(got["author_like_rate"][0]) and not np.isnan(got["author_like_rate"][1])
    assert got["age_hours"].tolist() == [60.0 / 3600, 2.0]
    # NaN is what the model's preprocessing reads as "no history", exactly like Feast's None.
    assert predictor.predict_heads(got) == pytest.approx(predictor.predict_heads(_feast(store, service, rows)))


def test_a_pushed_counter_shows_once_the_live_ttl_has_passed(store, service):
    live_ttl = 1.0
    hydrator = _hydrator(store, service, ttl=300.0, live_ttl=live_ttl)
    assert hydrator.views["post_counters"].ttl == live_ttl and hydrator.views["post_engagement"].ttl == 300.0
    status = UNKNOWN_STATUS + 7  # a status of its own: the shared test world stays as it is
    rows = {"viewer_id": [ml_chain.ACCOUNTS[0]], "author_id": [ml_chain.AUTHORS[0]], "status_id": [status],
            "age_seconds": [60.0]}
    assert np.isnan(hydrator.hydrate(rows)[0]["live_likes"][0])

    now = pd.Timestamp(datetime.now(UTC))
    store.push("post_counters_push", pd.DataFrame({
        "status_id": [status], "live_impressions": [40], "live_likes": [12], "live_replies": [1], "live_reposts": [2],
        "live_clicks": [5], "live_hides": [0], "event_timestamp": [now], "created": [now]}))
    pushed_at = time.time()

    cached, _ = hydrator.hydrate(rows)
    if time.time() - pushed_at < live_ttl:  # within the TTL the cached (older) row may still answer
        assert np.isnan(cached["live_likes"][0])
    time.sleep(live_ttl + 0.1)
    fresh, stats = hydrator.hydrate(rows)
    assert fresh["live_likes"][0] == 12 and fresh["live_impressions"][0] == 40
    assert stats.misses["post_counters"] == 1 and stats.hits["post_engagement"] == 1


def test_rows_cached_before_a_materialization_are_read_again_after_it(chain, store, service, predictor, candidates):
    from features.store import materialize

    rows = _rows(ml_chain.ACCOUNTS[10], candidates)
    hydrator = _hydrator(store, service, ttl=3_600.0, live_ttl=3_600.0)
    hydrator.hydrate(rows)
    _, cached = hydrator.hydrate(rows)

    materialize(chain.settings)  # another process's run, as `agora features materialize` does it
    store.refresh_registry()     # what Feast's registry cache does by itself within cache_ttl_seconds
    got, after = hydrator.hydrate(rows)

    assert cached.feast_calls == 0 and sum(cached.misses.values()) == 0
    assert after.feast_calls == 4 and sum(after.hits.values()) == 0  # every view was materialized: all read again
    expected = _feast(store, service, rows)
    for name in predictor.feature_names:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, equal_nan=True, err_msg=name)
    _, again = hydrator.hydrate(rows)
    assert again.feast_calls == 0  # and cached again until the next materialization


def test_sorted_keys_find_many_keys_at_once():
    keys = SortedKeys()
    keys.insert(np.array([30, 10, 20]), np.array([0, 1, 2]))
    keys.insert(np.array([15, 40]), np.array([3, 4]))
    assert keys.find(np.array([10, 15, 20, 30, 40, 5, 25, 50])).tolist() == [1, 3, 2, 0, 4, -1, -1, -1]
    assert SortedKeys().find(np.array([1, 2])).tolist() == [-1, -1]


def test_a_full_view_starts_over_instead_of_growing():
    view = ViewRows("v", ("viewer_id", "author_id"), ("viewer_id", "author_id"), scalars=["x"], lists=["vec"],
                    ttl=60.0, max_rows=4)
    view.store([np.array([1, 1, 1]), np.array([7, 8, 9])],
               {"x": np.array([1.0, 2.0, 3.0]), "vec": np.array([[1.0, 2.0], [3.0, np.nan], [np.nan, np.nan]])}, 0.0)
    columns = {"viewer_id": np.array([1, 1, 2]), "author_id": np.array([9, 7, 7])}
    got = view.gather(view.slots(columns))
    assert got["x"].tolist()[:2] == [3.0, 1.0] and np.isnan(got["x"][2])
    np.testing.assert_array_equal(got["vec"], [[np.nan, np.nan], [1.0, 2.0], [np.nan, np.nan]])

    view.store([np.array([2, 2]), np.array([7, 8])], {"x": np.array([5.0, 6.0]), "vec": np.ones((2, 3))}, 0.0)

    assert len(view) == 2
    assert view.gather(view.slots(columns))["x"].tolist()[2] == 5.0
    assert np.isnan(view.gather(view.slots(columns))["x"][:2]).all()
