"""Real-time post counters: newly exported events → Feast push source → the online store."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

import ml_chain
from agora.events import LAKE_SCHEMA, EventType
from features.store import feature_store
from pipelines.push_counters import push_counters

COUNTERS = ["post_counters:live_impressions", "post_counters:live_likes", "post_counters:live_replies"]


def test_new_events_are_added_to_the_online_counters_once(tmp_path_factory):
    chain = ml_chain.chain(tmp_path_factory).feast()
    settings, store = chain.settings, feature_store(chain.settings)
    status, author = next((r["status_id"], r["author_id"]) for r in chain.world.rows
                          if r["event_type"] == str(EventType.STATUS_CREATED))
    before = store.get_online_features(features=COUNTERS, entity_rows=[{"status_id": status}]).to_dict()
    assert before["live_impressions"][0] > 0  # materialised from the batch table

    assert push_counters(settings, store) == 0  # first run: the batch table already counts the lake
    # Two new events arrive through the export; a viewer the world does not know, at the lake's
    # watermark, so no training label elsewhere changes.
    last_id = ds.dataset(settings.events_dir, format="parquet", partitioning="hive").to_table(
        columns=["event_id"]).column("event_id").to_numpy().max()
    at, viewer = chain.world.end, 999_999
    new = pa.Table.from_pylist([
        {"event_id": int(last_id) + 1, "event_type": str(EventType.IMPRESSION), "occurred_at": at, "actor_id": viewer,
         "status_id": status, "author_id": author, "target_account_id": None, "payload": None},
        {"event_id": int(last_id) + 2, "event_type": str(EventType.FAVOURITED), "occurred_at": at, "actor_id": viewer,
         "status_id": status, "author_id": author, "target_account_id": None, "payload": None},
    ], schema=LAKE_SCHEMA)
    partition = settings.events_dir / f"date={at:%Y-%m-%d}" / f"hour={at:%H}"
    partition.mkdir(parents=True, exist_ok=True)
    pq.write_table(new, partition / "push-test.parquet")

    assert push_counters(settings, store) == 1
    after = store.get_online_features(features=COUNTERS, entity_rows=[{"status_id": status}]).to_dict()
    assert after["live_impressions"][0] == before["live_impressions"][0] + 1
    assert after["live_likes"][0] == before["live_likes"][0] + 1
    assert after["live_replies"][0] == before["live_replies"][0]
    assert push_counters(settings, store) == 0  # nothing new: nothing pushed twice
