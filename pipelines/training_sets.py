"""Spark job: training sets as Parquet under ``$AGORA_HOME/lake/training/<set>/date=YYYY-MM-DD/``.

* ``ranker``: one row per impression (``event_timestamp`` = when it was shown, the time Feast's
  point-in-time join takes features at), labelled 0/1 per head (:data:`agora.events.ENGAGEMENT_HEADS`)
  by the same viewer's engagements with the same post in the :data:`LABEL_HORIZON` after it. Labels
  only ever come from *later* events, features only from earlier ones.
* ``follows``: every follow (follower, followee, when); ``follows/_split.json`` (Spark skips ``_`` names) holds the time
  split (``valid_from``: the newest :data:`FOLLOW_VALID_DAYS` days validate, older ones train),
  so partitions never change when the split moves.
* ``moderation``: moderator decisions (``decision``, ``label`` and the whole payload), written
  only when :class:`agora.events.EventType` has decision events (values containing ``decision``).
  ``agora moderation``'s own reader (:mod:`pipelines.moderation_decisions`) turns the same events
  into the CSV its trainer takes; this one is the date-partitioned, incremental copy.

Incremental by date: the days whose lake hours changed are rewritten whole (dynamic partition
overwrite), plus the day before each, whose impressions a late engagement may now label.
A re-run with nothing new writes nothing; a rebuild writes the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from agora.events import ENGAGEMENT_HEADS, EventType
from agora.settings import Settings
from pipelines.features import lake_read_schema
from pipelines.partitions import Hour, PartitionState, fingerprints, hour_paths
from pipelines.spark import spark_session

#: An engagement labels an impression if it follows within this time (and ``LABEL_HORIZON``
#: ≤ 1 day is what lets a changed day re-label only the day before it).
LABEL_HORIZON = timedelta(hours=24)
FOLLOW_VALID_DAYS = 2
#: Moderator decision events, if the moderation work has declared any.
DECISION_EVENTS = tuple(t for t in EventType if "decision" in t.value)
HEADS = sorted(set(ENGAGEMENT_HEADS.values()))


@dataclass
class TrainingSetsResult:
    touched_days: list[date]
    rows: dict[str, int]


def training_dir(settings: Settings) -> Path:
    return settings.lake_dir / "training"


def transform_ranker(events, days: list[date]):
    """Impressions on ``days`` with one ``label_<head>`` column per head."""
    from pyspark.sql import functions as F

    impressions = events.where((F.col("event_type") == str(EventType.IMPRESSION))
                               & F.to_date("occurred_at").isin(*days)) \
        .select(F.col("event_id").alias("impression_id"), F.col("actor_id").alias("viewer_id"), "status_id",
                "author_id", F.col("occurred_at").alias("event_timestamp"))
    heads = F.create_map(*[x for t, h in ENGAGEMENT_HEADS.items() for x in (F.lit(str(t)), F.lit(h))])
    engagements = events.where(F.col("event_type").isin(*[str(t) for t in ENGAGEMENT_HEADS])) \
        .select(F.col("actor_id").alias("e_viewer"), F.col("status_id").alias("e_status"),
                F.col("occurred_at").alias("e_at"), heads[F.col("event_type")].alias("head"))
    horizon = F.expr(f"INTERVAL {int(LABEL_HORIZON.total_seconds())} SECONDS")
    joined = impressions.join(
        engagements,
        (F.col("viewer_id") == F.col("e_viewer")) & (F.col("status_id") == F.col("e_status"))
        & (F.col("e_at") >= F.col("event_timestamp")) & (F.col("e_at") < F.col("event_timestamp") + horizon),
        how="left")
    return joined.groupBy("impression_id", "viewer_id", "status_id", "author_id", "event_timestamp").agg(
        *(F.max(F.when(F.col("head") == h, 1).otherwise(0)).cast("int").alias(f"label_{h}") for h in HEADS)
    ).withColumn("date", F.to_date("event_timestamp"))


def transform_follows(events, days: list[date]):
    from pyspark.sql import functions as F

    return events.where((F.col("event_type") == str(EventType.FOLLOWED)) & F.col("target_account_id").isNotNull()
                        & F.to_date("occurred_at").isin(*days)) \
        .select("event_id", F.col("actor_id").alias("follower_id"), F.col("target_account_id").alias("followee_id"),
                F.col("occurred_at").alias("followed_at"), F.to_date("occurred_at").alias("date"))


def transform_moderation(events, days: list[date]):
    from pyspark.sql import functions as F

    return events.where(F.col("event_type").isin(*[str(t) for t in DECISION_EVENTS])
                        & F.to_date("occurred_at").isin(*days)) \
        .select("event_id", "event_type", F.col("actor_id").alias("moderator_id"), "status_id", "author_id",
                "target_account_id", *(F.get_json_object("payload", f"$.{k}").alias(k) for k in ("decision", "label")),
                "payload", F.col("occurred_at").alias("decided_at"), F.to_date("occurred_at").alias("date"))


def run(settings: Settings, master: str | None = None, *, rebuild: bool = False) -> TrainingSetsResult:
    state = PartitionState(settings.lake_dir / "_state", "training_sets")
    if rebuild:
        state.forget()
    current = fingerprints(settings.events_dir)
    touched = state.touched(current)
    days = sorted({h.day for h in touched} | {h.day - timedelta(days=1) for h in touched})
    rows: dict[str, int] = {}
    if days:
        spark = spark_session(settings, "agora-training-sets", master)
        # The days to write and the day after each (labels look up to LABEL_HORIZON ahead).
        needed = set(days) | {d + timedelta(days=1) for d in days}
        paths = hour_paths(settings.events_dir, [h for h in map(Hour.parse, current) if h.day in needed], current)
        events = spark.read.schema(lake_read_schema()).option("basePath", str(settings.events_dir)) \
            .parquet(*paths).dropDuplicates(["event_id"]).cache()
        sets = {"ranker": transform_ranker, "follows": transform_follows}
        if DECISION_EVENTS:
            sets["moderation"] = transform_moderation
        try:
            for name, transform in sets.items():
                rows[name] = _overwrite_days(transform(events, days), training_dir(settings) / name)
        finally:
            events.unpersist()
        _write_follow_split(training_dir(settings) / "follows")
    state.save(current)
    return TrainingSetsResult(touched_days=days, rows=rows)


def _overwrite_days(df, path: Path) -> int:
    """Replace the day partitions present in ``df`` (one file each); returns the rows written."""
    df = df.repartition("date").cache()
    try:
        df.write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("date").parquet(str(path))
        return df.count()
    finally:
        df.unpersist()


def _write_follow_split(path: Path) -> None:
    days = sorted(date.fromisoformat(p.name.removeprefix("date=")) for p in path.glob("date=*"))
    if not days:
        return
    split = {"valid_from": (days[-1] - timedelta(days=FOLLOW_VALID_DAYS - 1)).isoformat(),
             "valid_days": FOLLOW_VALID_DAYS}
    (path / "_split.json").write_text(json.dumps(split, indent=2) + "\n")
