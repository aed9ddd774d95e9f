"""Real-time post counters: the lake's newest events → Feast's ``post_counters_push``.

Between two runs of the Spark job the online ``post_counters`` would stay frozen at the last
materialisation, while a post's first hour is when its counts move most. This job keeps them
fresh without the API ever waiting on Feast: it reads the events exported since its watermark
(the last ``event_id`` it pushed, ``$AGORA_HOME/feast/post_counters.watermark``), counts them
per status with the Spark job's own event → counter map (:data:`pipelines.features.POST_COUNTERS`),
adds them to the totals the online store holds and pushes the new totals in one batched
``FeatureStore.push``. Run it after each export (``agora features push-counters``, or the DAG).

Assumes one pusher at a time. A later ``materialize`` may overwrite pushed totals with the batch
table's (older) ones until the next Spark run: counts can lag, never double."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from agora.settings import Settings
from pipelines.features import POST_COUNTERS

PUSH_SOURCE = "post_counters_push"
VIEW = "post_counters"


def watermark_path(settings: Settings):
    return settings.feast_data_dir / "post_counters.watermark"


def _lake(settings: Settings):
    if not any(settings.events_dir.glob("date=*/hour=*/*.parquet")):
        return None
    return ds.dataset(settings.events_dir, format="parquet", partitioning="hive")


def new_counts(settings: Settings, after_event_id: int) -> tuple[pd.DataFrame, int]:
    """Per status, how much each counter grew in the events with ``event_id > after_event_id``
    (plus the newest such event's time), and the highest ``event_id`` read."""
    lake = _lake(settings)
    if lake is None:
        return pd.DataFrame(), after_event_id
    events = lake.to_table(columns=["event_id", "event_type", "occurred_at", "status_id"],
                           filter=pc.field("event_id") > after_event_id).to_pandas()
    if events.empty:
        return pd.DataFrame(), after_event_id
    newest = int(events["event_id"].max())
    counted = events[events["event_type"].isin([str(t) for t in POST_COUNTERS.values()])
                     & events["status_id"].notna()]
    by_type = {str(t): name for name, t in POST_COUNTERS.items()}
    growth = pd.crosstab(counted["status_id"].astype("int64"), counted["event_type"].map(by_type)) \
        .reindex(columns=list(POST_COUNTERS), fill_value=0)
    growth["event_timestamp"] = counted.groupby(counted["status_id"].astype("int64"))["occurred_at"].max()
    return growth.reset_index(), newest


def push_counters(settings: Settings, store=None) -> int:
    """Push fresh totals for every status with new events; returns how many statuses were pushed.

    The first run only sets the watermark to the lake's newest event: the batch table (Spark +
    materialize) already counts everything before it, and adding it again would double it."""
    from feast.data_source import PushMode

    from features.store import feature_store

    path = watermark_path(settings)
    if not path.exists():
        lake = _lake(settings)
        newest = 0 if lake is None else pc.max(lake.to_table(columns=["event_id"]).column("event_id")).as_py()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(newest or 0))
        return 0
    growth, newest = new_counts(settings, int(path.read_text()))
    if not growth.empty:
        store = store or feature_store(settings)
        current = store.get_online_features(features=[f"{VIEW}:{name}" for name in POST_COUNTERS],
                                            entity_rows={"status_id": growth["status_id"].tolist()}).to_dict()
        totals = growth.assign(**{name: growth[name].to_numpy() + np.array([v or 0 for v in current[name]])
                                  for name in POST_COUNTERS})
        totals["created"] = pd.Timestamp(datetime.now(UTC))
        store.push(PUSH_SOURCE, totals, to=PushMode.ONLINE)
    path.write_text(str(newest))
    return len(growth)
