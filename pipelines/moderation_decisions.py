"""Moderators' decisions → a training set for the text moderation model.

Reads the ``moderation.decision`` events from the lake (written by ``DecideReport``: the
post's text and the label the decision gave it) and writes them in the Davidson CSV format
``agora moderation train`` reads (unnamed index, ``count``, the three vote columns, ``class``,
``tweet``): ``$AGORA_HOME/datasets/moderation_decisions.csv``, with a Parquet copy beside it.
A post decided more than once (a report reopened and decided again) keeps its latest label.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds

from agora.events import LAKE_SCHEMA, EventType
from agora.settings import Settings

VOTE_COLUMNS = ("hate_speech", "offensive_language", "neither")


def decisions_path(settings: Settings) -> Path:
    return settings.home / "datasets" / "moderation_decisions.csv"


def read_decisions(events_dir: Path) -> pd.DataFrame:
    """The lake's ``moderation.decision`` events (``event_id``, ``occurred_at``, ``status_id``, ``payload``)."""
    if not events_dir.is_dir() or not any(events_dir.rglob("*.parquet")):
        return pd.DataFrame(columns=["event_id", "occurred_at", "status_id", "payload"])
    dataset = ds.dataset(events_dir, format="parquet", partitioning="hive", schema=LAKE_SCHEMA)
    table = dataset.to_table(columns=["event_id", "occurred_at", "status_id", "payload"],
                             filter=ds.field("event_type") == str(EventType.MODERATION_DECISION))
    return table.to_pandas()


def transform(events: pd.DataFrame) -> pd.DataFrame:
    """Decision events → Davidson rows, one per post (its latest decision), oldest first."""
    if events.empty:
        return pd.DataFrame(columns=["count", *VOTE_COLUMNS, "class", "tweet"])
    payloads = events["payload"].map(json.loads)
    frame = pd.DataFrame({"event_id": events["event_id"], "status_id": events["status_id"],
                          "class": payloads.map(lambda p: int(p["class"])),
                          "tweet": payloads.map(lambda p: str(p.get("text", "")))})
    frame = (frame[frame["tweet"].str.strip() != ""].sort_values("event_id")
             .drop_duplicates("status_id", keep="last"))
    out = pd.DataFrame({"count": 1}, index=range(len(frame)))
    for label, column in enumerate(VOTE_COLUMNS):
        out[column] = (frame["class"].to_numpy() == label).astype(int)
    out["class"] = frame["class"].to_numpy()
    out["tweet"] = frame["tweet"].to_numpy()
    return out


def run(settings: Settings) -> tuple[Path, int]:
    """Rewrite the training set from the whole lake; returns its path and row count."""
    rows = transform(read_decisions(settings.events_dir))
    path = decisions_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path)
    rows.to_parquet(path.with_suffix(".parquet"))
    return path, len(rows)


def training_csv(settings: Settings, data: Path | None) -> Path:
    """What ``agora moderation train --from-decisions`` trains on: the decisions CSV alone, or,
    with a Davidson CSV too, both concatenated (written under ``$AGORA_HOME/datasets``)."""
    decisions = decisions_path(settings)
    if not decisions.is_file():
        raise FileNotFoundError(f"no decisions training set at {decisions}; "
                                "run `agora pipeline export` and `agora pipeline moderation-decisions` first")
    if data is None:
        return decisions
    columns = ["count", *VOTE_COLUMNS, "class", "tweet"]
    frames = [pd.read_csv(path, index_col=0, keep_default_na=False, dtype={"tweet": str}) for path in (data, decisions)]
    missing = [str(p) for p, f in zip((data, decisions), frames) if not set(columns) <= set(f.columns)]
    if missing:
        raise ValueError(f"not in the Davidson format (columns {columns}): {', '.join(missing)}")
    combined = decisions.with_name("moderation_train_with_decisions.csv")
    pd.concat([f[columns] for f in frames], ignore_index=True).to_csv(combined)
    return combined
