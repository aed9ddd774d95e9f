"""Scale-out: Feast with the Redis online store (``AGORA_FEAST_ONLINE_STORE=redis``) against the
real Redis on 127.0.0.1:6379: apply, materialise the chain's post features, and read back each
post's newest snapshot, as computed from the feature table itself. Uses Redis database 11 (the rest of
the suite uses 0) and empties it afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
import redis

import ml_chain
from agora.settings import Settings
from features import store

REDIS_URL = "redis://127.0.0.1:6379/11"
FEATURES = ["post_engagement:post_impressions", "post_engagement:post_likes", "post_engagement:post_like_rate"]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]  # builds the chain's features if alone


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def expected_online(settings, statuses: list[int], ttl, now) -> dict[int, dict]:
    """What an online store must serve: each status's newest ``post_engagement`` snapshot (ties:
    the newest ``created``), or nothing when that snapshot is older than the view's TTL."""
    table = pd.read_parquet(settings.feature_tables_dir / "post_engagement")
    newest = table.sort_values(["event_timestamp", "created"]).groupby("status_id").tail(1).set_index("status_id")
    out = {}
    for status in statuses:
        row = newest.loc[status] if status in newest.index else None
        fresh = row is not None and row["event_timestamp"] >= now - ttl
        out[status] = {f.split(":")[1]: (row[f.split(":")[1]] if fresh else None) for f in FEATURES}
    return out


def test_the_redis_online_store_serves_the_newest_snapshots(tmp_path_factory, redis_db):
    chain = ml_chain.chain(tmp_path_factory).features()
    home = tmp_path_factory.mktemp("feast_redis") / "agora_home"
    home.mkdir()
    # The chain's feature tables (FileSources read $AGORA_HOME/feature_tables), a registry of its own.
    (home / "feature_tables").symlink_to(chain.settings.feature_tables_dir)
    settings = Settings(home=home, feast_online_store="redis", feast_redis_url=REDIS_URL)
    assert store.repo_config(settings).online_store.connection_string == "127.0.0.1:6379,db=11"

    with ml_chain.home_env(settings):
        store.apply(settings)
    feast = store.feature_store(settings)
    ttl = feast.get_feature_view("post_engagement").ttl
    now = datetime.now(UTC)
    feast.materialize(start_date=now - ttl, end_date=now, feature_views=["post_engagement"])

    assert redis_db.dbsize() > 0
    statuses = list(range(ml_chain.FIRST_STATUS_ID, ml_chain.FIRST_STATUS_ID + 400, 10))
    served = feast.get_online_features(features=FEATURES, entity_rows=[{"status_id": s} for s in statuses]).to_dict()
    expected = expected_online(chain.settings, statuses, ttl, now)
    for i, status in enumerate(statuses):
        for name, value in expected[status].items():
            assert served[name][i] == (pytest.approx(value) if value is not None else None), (status, name)
    assert sum(likes is not None for likes in served["post_likes"]) > len(statuses) // 2
