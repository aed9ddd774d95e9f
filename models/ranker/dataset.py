"""The ranker's training set: every impression in the lake, labelled, with point-in-time features.

- entity rows: impressions (viewer_id, author_id, status_id, event_timestamp = impression time)
  plus the request-time input ``age_seconds`` (impression time − the status's creation);
- labels: one per head (``label_like``, ``label_reply``, ``label_repost``, ``label_click``,
  ``label_negative``; ``agora.events.ENGAGEMENT_HEADS`` maps event types to heads): the viewer
  did that to that status within :data:`LABEL_WINDOW` after the impression. ``label`` is
  ``label_like``, the label the promotion gate's AUC is measured on;
- features: Feast ``get_historical_features`` with the ranker's feature service, so each
  row sees only snapshots written before its impression (and the same on-demand transforms
  serving runs);
- split: by time, the last :data:`VALIDATION_FRACTION` of the impression time span validates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from agora.events import ENGAGEMENT_HEADS, LAKE_SCHEMA, EventType

#: An engagement counts for an impression if it comes within a day of it.
LABEL_WINDOW = timedelta(hours=24)
#: The newest 20% of the time span is held out for validation (and the promotion gate).
VALIDATION_FRACTION = 0.2
ENTITY_COLUMNS = ["viewer_id", "author_id", "status_id"]


@dataclass
class RankerDataset:
    frame: pd.DataFrame          # entity columns, event_timestamp, age_seconds, label, features
    feature_names: list[str]
    feature_service: str
    split_time: pd.Timestamp

    def train(self) -> pd.DataFrame:
        return self.frame[self.frame["event_timestamp"] < self.split_time]

    def validation(self) -> pd.DataFrame:
        return self.frame[self.frame["event_timestamp"] >= self.split_time]


def read_lake(events_dir: Path, event_types: list[EventType]) -> pd.DataFrame:
    """Events of the given types from the lake, deduplicated by ``event_id``."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    dataset = ds.dataset(events_dir, format="parquet", partitioning="hive")
    table = dataset.to_table(columns=[f.name for f in LAKE_SCHEMA],
                             filter=pc.field("event_type").isin([str(t) for t in event_types]))
    return table.to_pandas().drop_duplicates("event_id")


def labelled_impressions(events_dir: Path, label_window: timedelta = LABEL_WINDOW) -> pd.DataFrame:
    """One row per impression whose labels are known: entity columns, event_timestamp,
    age_seconds, ``label_<head>`` (0/1) per head, ``label`` (= like) and the impression's ``event_id``."""
    events = read_lake(events_dir, [EventType.IMPRESSION, EventType.STATUS_CREATED, *ENGAGEMENT_HEADS])
    if events.empty:
        raise ValueError(f"no impressions in the lake at {events_dir}")
    watermark = events["occurred_at"].max()
    kind = events["event_type"]
    impressions = events.loc[kind == str(EventType.IMPRESSION),
                             ["event_id", "actor_id", "author_id", "status_id", "occurred_at"]]
    created = events.loc[kind == str(EventType.STATUS_CREATED), ["status_id", "occurred_at"]] \
        .drop_duplicates("status_id").rename(columns={"occurred_at": "created_at"})

    rows = impressions.merge(created, on="status_id", how="inner")  # unknown creation → no age → dropped
    rows = rows[rows["occurred_at"] <= watermark - label_window]    # labels not final yet
    frame = pd.DataFrame({
        "event_id": rows["event_id"].to_numpy(),
        "viewer_id": rows["actor_id"].to_numpy(),
        "author_id": rows["author_id"].to_numpy(),
        "status_id": rows["status_id"].to_numpy(),
        "event_timestamp": rows["occurred_at"].to_numpy(),
        "age_seconds": (rows["occurred_at"] - rows["created_at"]).dt.total_seconds().clip(lower=0).to_numpy(),
    })
    for head in dict.fromkeys(ENGAGEMENT_HEADS.values()):
        types = [str(t) for t, h in ENGAGEMENT_HEADS.items() if h == head]
        engaged = _engaged_impressions(impressions, events.loc[kind.isin(types)], label_window)
        frame[f"label_{head}"] = frame["event_id"].isin(engaged).astype("int64").to_numpy()
    frame["label"] = frame["label_like"]
    return frame.assign(event_timestamp=lambda d: pd.to_datetime(d["event_timestamp"], utc=True)) \
        .sort_values("event_id", ignore_index=True)


def _engaged_impressions(impressions: pd.DataFrame, engagements: pd.DataFrame, window: timedelta) -> np.ndarray:
    """Ids of the impressions followed by one of ``engagements`` (same viewer and status) within ``window``."""
    pairs = impressions.merge(engagements[["actor_id", "status_id", "occurred_at"]], on=["actor_id", "status_id"],
                              suffixes=("", "_engaged"))
    delay = pairs["occurred_at_engaged"] - pairs["occurred_at"]
    return pairs.loc[(delay >= pd.Timedelta(0)) & (delay <= window), "event_id"].unique()


def service_feature_names(store, feature_service: str) -> list[str]:
    """The model's inputs: every feature of the service, in the service's order."""
    service = store.get_feature_service(feature_service)
    return [f.name for projection in service.feature_view_projections for f in projection.features]


def build_dataset(settings, store, feature_service: str | None = None) -> RankerDataset:
    from features.store import RANKER_FEATURE_SERVICE

    feature_service = feature_service or RANKER_FEATURE_SERVICE
    entity_df = labelled_impressions(settings.events_dir)
    if entity_df["label"].nunique() < 2:
        raise ValueError("the training set needs both liked and unliked impressions")
    service = store.get_feature_service(feature_service)
    frame = store.get_historical_features(entity_df=entity_df, features=service).to_df()
    frame = frame.sort_values("event_id", ignore_index=True)
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
    start, end = frame["event_timestamp"].min(), frame["event_timestamp"].max()
    split_time = start + (end - start) * (1 - VALIDATION_FRACTION)
    return RankerDataset(frame=frame, feature_names=service_feature_names(store, feature_service),
                         feature_service=feature_service, split_time=split_time)
