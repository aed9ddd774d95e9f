"""The Feast repo in ``features/``: apply, materialize, point-in-time retrieval, online reads, CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import ml_chain
from agora.events import EventType
from agora.settings import REPO_ROOT, Settings
from features.store import RANKER_FEATURE_SERVICE, feature_store

FEAST = str(Path(sys.executable).with_name("feast"))


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return ml_chain.chain(tmp_path_factory).feast()


@pytest.fixture(scope="module")
def store(chain):
    return feature_store(chain.settings)


@pytest.fixture(scope="module")
def lake(chain):
    return pd.read_parquet(chain.settings.events_dir)


def test_apply_registers_views_and_the_ranker_service(store, chain):
    views = {fv.name for fv in store.list_feature_views()}
    assert views == {"account_activity", "author_engagement", "post_engagement", "viewer_author_affinity",
                     "post_counters", "post_topics", "viewer_topics", "author_topics"}
    assert {odfv.name for odfv in store.list_on_demand_feature_views()} == {"post_age", "topic_match", "post_quality"}
    assert store.get_data_source("post_counters_push").batch_source.name == "post_counters_source"
    assert {e.name for e in store.list_entities()} >= {"account", "viewer", "author", "status"}
    service = store.get_feature_service(RANKER_FEATURE_SERVICE)
    projected = {p.name: [f.name for f in p.features] for p in service.feature_view_projections}
    assert projected["post_age"] == ["age_hours", "log_age_hours"]
    assert {"topic_like_rate", "topic_cosine", "author_topic_cosine"} <= set(projected["topic_match"])
    assert projected["post_quality"] == ["post_like_rate_so_far", "post_click_rate_so_far"]
    assert "va_likes" in projected["viewer_author_affinity"]
    # The registry points at this home's tables.
    source = store.get_data_source("author_engagement_source")
    assert Path(source.path) == chain.settings.feature_tables_dir / "author_engagement"


def test_historical_features_are_point_in_time_correct(store, lake):
    impressions = lake[lake["event_type"] == str(EventType.IMPRESSION)].sample(300, random_state=3)
    entity_df = pd.DataFrame({
        "viewer_id": impressions["actor_id"].to_numpy(), "author_id": impressions["author_id"].to_numpy(),
        "status_id": impressions["status_id"].to_numpy(),
        "event_timestamp": pd.to_datetime(impressions["occurred_at"], utc=True).to_numpy(),
        "age_seconds": 7_200.0,
    })
    frame = store.get_historical_features(entity_df=entity_df, features=store.get_feature_service(
        RANKER_FEATURE_SERVICE)).to_df()

    assert len(frame) == len(entity_df), "Feast dropped entity rows"
    assert frame["age_hours"].eq(2.0).all()
    # A row at time t sees the snapshot of the previous day's end: the author's impressions
    # strictly before t's midnight, never anything later (not even earlier the same day).
    author_impressions = lake[lake["event_type"] == str(EventType.IMPRESSION)]
    for row in frame.itertuples():
        midnight = row.event_timestamp.floor("D")
        before = author_impressions[(author_impressions["author_id"] == row.author_id)
                                    & (author_impressions["occurred_at"] < midnight)]
        assert row.author_impressions_total == len(before)


def test_online_store_serves_the_latest_snapshot_for_one_batch(store, chain):
    settings: Settings = chain.settings
    author = pd.read_parquet(settings.feature_tables_dir / "author_engagement")
    latest = author.sort_values(["event_timestamp", "created"]).groupby("author_id").tail(1).set_index("author_id")
    authors = [int(a) for a in latest.index[:50]]
    rows = {"viewer_id": [ml_chain.ACCOUNTS[-1]] * len(authors), "author_id": authors,
            "status_id": [ml_chain.FIRST_STATUS_ID] * len(authors), "age_seconds": [60.0] * len(authors)}

    online = store.get_online_features(features=store.get_feature_service(RANKER_FEATURE_SERVICE),
                                       entity_rows=rows).to_dict()

    assert online["author_impressions_total"] == latest.loc[authors, "author_impressions_total"].tolist()
    assert online["age_hours"] == pytest.approx([60.0 / 3600] * len(authors))
    unknown = store.get_online_features(features=["author_engagement:author_likes_total"],
                                        entity_rows=[{"author_id": 1}]).to_dict()
    assert unknown["author_likes_total"] == [None]


def test_online_hydration_of_1000_candidates_in_one_call(store, lake):
    created = lake[lake["event_type"] == str(EventType.STATUS_CREATED)].head(1000)
    rows = {"viewer_id": [ml_chain.ACCOUNTS[0]] * len(created), "author_id": created["author_id"].tolist(),
            "status_id": created["status_id"].tolist(), "age_seconds": [3_600.0] * len(created)}
    service = store.get_feature_service(RANKER_FEATURE_SERVICE)
    store.get_online_features(features=service, entity_rows=rows)  # warm
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        online = store.get_online_features(features=service, entity_rows=rows).to_dict()
        timings.append(time.perf_counter() - started)
    n_features = sum(len(p.features) for p in service.feature_view_projections)
    print(f"\nonline hydration, {len(created)} candidates x {n_features} features: "
          f"{min(timings) * 1000:.0f} ms (best of 3)")
    assert len(online["author_like_rate"]) == len(created)
    assert min(timings) < 5.0


def test_feast_cli_apply_and_materialize_with_agora_home(chain, tmp_path):
    """What operators type: ``cd features && AGORA_HOME=... feast apply`` (fresh home, same tables)."""
    home = tmp_path / "cli_home"
    shutil.copytree(chain.settings.feature_tables_dir, home / "feature_tables")
    env = {**os.environ, "AGORA_HOME": str(home)}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    for command in ([FEAST, "apply"], [FEAST, "materialize-incremental", now]):
        done = subprocess.run(command, cwd=REPO_ROOT / "features", env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    assert (home / "feast" / "registry.db").is_file() and (home / "feast" / "online_store.db").is_file()
    cli_store = feature_store(Settings(home=home))
    assert Path(cli_store.get_data_source("post_engagement_source").path).is_relative_to(home)
    author = ml_chain.POPULAR_AUTHORS[0]
    online = cli_store.get_online_features(features=["author_engagement:author_likes_total"],
                                           entity_rows=[{"author_id": author}]).to_dict()
    assert online["author_likes_total"][0] > 0
