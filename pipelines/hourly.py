"""Spark step shared by the trends and analytics jobs: the lake's changed hours → hourly aggregates.

Two aggregates, each partitioned like the lake (``date=…/hour=…``) under ``$AGORA_HOME/lake/aggregates/``:

* ``tag_uses_hourly``: (tag, account_id, uses) from public ``status.created`` events — per
  account, so a window can count *distinct* accounts, which is what stops one spammer trending;
* ``status_engagement_hourly``: (status_id, author_id, impressions, likes, replies, reposts,
  clicks) per post.

Only the hours whose lake files changed since the last update are recomputed (see
:mod:`pipelines.partitions`), and each is overwritten whole, so a re-run changes nothing and a
late event rewrites exactly the hour it belongs to. One writer at a time: the ``agora_trends``
DAG runs the trends and analytics jobs one after the other, never side by side.
"""

from __future__ import annotations

from pathlib import Path

from agora.events import EventType
from agora.settings import Settings
from pipelines.features import lake_read_schema
from pipelines.partitions import Hour, PartitionState, fingerprints, hour_paths

TAG_USES = "tag_uses_hourly"
STATUS_ENGAGEMENT = "status_engagement_hourly"

#: Engagement columns of ``status_engagement_hourly`` and the event each one counts.
ENGAGEMENT_COLUMNS: dict[str, EventType] = {
    "impressions": EventType.IMPRESSION,
    "likes": EventType.FAVOURITED,
    "replies": EventType.REPLIED,
    "reposts": EventType.REBLOGGED,
    "clicks": EventType.CLICKED,
}

_POST_PAYLOAD = "struct<tags:array<string>,visibility:string>"


def aggregates_dir(settings: Settings) -> Path:
    return settings.lake_dir / "aggregates"


def state_dir(settings: Settings) -> Path:
    return settings.lake_dir / "_state"


def transform_tag_uses(events):
    """One row per (hour, tag, account): how often the account used the tag in a public post."""
    from pyspark.sql import functions as F

    posts = events.where((F.col("event_type") == str(EventType.STATUS_CREATED)) & F.col("payload").isNotNull()) \
        .withColumn("post", F.from_json("payload", _POST_PAYLOAD)) \
        .where(F.col("post.visibility") == "public")
    return posts.select(*_hour_columns(), F.col("actor_id").alias("account_id"),
                        F.explode(F.array_distinct(F.transform("post.tags", F.lower))).alias("tag")) \
        .where(F.length("tag") > 0) \
        .groupBy("date", "hour", "tag", "account_id").agg(F.count(F.lit(1)).cast("long").alias("uses"))


def transform_status_engagement(events):
    """One row per (hour, post) with any engagement: impressions, likes, replies, reposts, clicks."""
    from pyspark.sql import functions as F

    kinds = [str(t) for t in ENGAGEMENT_COLUMNS.values()]
    acts = events.where(F.col("event_type").isin(*kinds) & F.col("status_id").isNotNull())
    return acts.groupBy(*_hour_columns(), "status_id").agg(
        F.max("author_id").alias("author_id"),
        *(F.sum(F.when(F.col("event_type") == str(t), 1).otherwise(0)).cast("long").alias(name)
          for name, t in ENGAGEMENT_COLUMNS.items()))


def update(settings: Settings, spark, *, rebuild: bool = False) -> list[Hour]:
    """Recompute both aggregates for the lake hours that changed; returns those hours."""
    state = PartitionState(state_dir(settings), "hourly")
    if rebuild:
        state.forget()
    current = fingerprints(settings.events_dir)
    touched = state.touched(current)
    if touched:
        paths = hour_paths(settings.events_dir, touched, current)
        events = spark.read.schema(lake_read_schema()).option("basePath", str(settings.events_dir)) \
            .parquet(*paths).dropDuplicates(["event_id"]).cache()
        try:
            for name, transform in ((TAG_USES, transform_tag_uses), (STATUS_ENGAGEMENT, transform_status_engagement)):
                overwrite_hours(transform(events), aggregates_dir(settings) / name)
        finally:
            events.unpersist()
    state.save(current)
    return touched


def overwrite_hours(df, path: Path) -> None:
    """Replace exactly the hour partitions present in ``df`` (one file each), keep the others."""
    df.repartition("date", "hour").write.mode("overwrite").option("partitionOverwriteMode", "dynamic") \
        .partitionBy("date", "hour").parquet(str(path))


def read_aggregate(spark, settings: Settings, name: str):
    """An aggregate as a DataFrame (with its ``date`` and ``hour`` columns), or None if never written."""
    path = aggregates_dir(settings) / name
    if not any(path.glob("date=*/hour=*/*.parquet")):
        return None
    return spark.read.parquet(str(path))


def _hour_columns():
    from pyspark.sql import functions as F

    return [F.to_date("occurred_at").alias("date"), F.hour("occurred_at").alias("hour")]
