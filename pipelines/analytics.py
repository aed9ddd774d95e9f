"""Spark job: per-post hourly engagement and per-creator summaries, for the analytics API.

``status_engagement_hourly`` (the table) mirrors the hourly aggregate of the same name
(:mod:`pipelines.hourly`): only the aggregate hours that changed since the last run are
rewritten (delete the hour, insert its rows, one transaction), so a re-run changes nothing and
a late like lands in the hour it happened. ``creator_summaries`` is recomputed from the whole
aggregate each run (one row per author: small) and replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from agora.settings import Settings
from pipelines import hourly
from pipelines.partitions import Hour, PartitionState, fingerprints, hour_paths
from pipelines.spark import spark_session

_COUNTS = list(hourly.ENGAGEMENT_COLUMNS)
#: Rows sent to the database per INSERT.
CHUNK = 5_000


@dataclass
class AnalyticsResult:
    touched_hours: list[Hour]
    hourly_rows: int
    creators: int


def transform_creator_summary(engagement):
    """Per author: posts with any engagement, total counts, engagement rate and newest hour."""
    from pyspark.sql import functions as F

    engaged = F.col("likes") + F.col("replies") + F.col("reposts") + F.col("clicks")
    return engagement.where(F.col("author_id").isNotNull()).groupBy("author_id").agg(
        F.countDistinct("status_id").alias("posts_engaged"),
        *(F.sum(c).alias(c) for c in _COUNTS),
        F.max(_hour_start()).alias("last_hour"),
    ).withColumn("engagement_rate", F.when(F.col("impressions") > 0, engaged / F.col("impressions")))


def run(settings: Settings, master: str | None = None, *, rebuild: bool = False) -> AnalyticsResult:
    from platform_api.db import session_scope
    from platform_api.repositories import analytics

    spark = spark_session(settings, "agora-analytics", master)
    hourly.update(settings, spark, rebuild=rebuild)
    state = PartitionState(hourly.state_dir(settings), "analytics")
    if rebuild:
        state.forget()
    path = hourly.aggregates_dir(settings) / hourly.STATUS_ENGAGEMENT
    current = fingerprints(path)
    touched = state.touched(current)
    written = 0
    if touched:
        changed = spark.read.option("basePath", str(path)).parquet(*hour_paths(path, touched, current)) \
            .select("status_id", _hour_start().alias("hour"), "author_id", *_COUNTS)
        rows = [row.asDict() for row in changed.orderBy("hour", "status_id").toLocalIterator()]
        with session_scope(settings) as session:
            analytics.replace_hours(session, hours=[h.start for h in touched], rows=rows, chunk=CHUNK)
        written = len(rows)
    creators = []
    engagement = hourly.read_aggregate(spark, settings, hourly.STATUS_ENGAGEMENT)
    if engagement is not None:
        creators = [row.asDict() for row in transform_creator_summary(engagement).toLocalIterator()]
        with session_scope(settings) as session:
            analytics.replace_creator_summaries(session, rows=creators, chunk=CHUNK)
    state.save(current)
    return AnalyticsResult(touched_hours=touched, hourly_rows=written, creators=len(creators))


def _hour_start():
    """The aggregate's ``date`` + ``hour`` partition columns as the hour's UTC start."""
    from pyspark.sql import functions as F

    return F.timestamp_seconds(F.unix_timestamp(F.to_timestamp("date")) + F.col("hour") * 3600)
