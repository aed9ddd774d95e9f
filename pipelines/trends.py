"""Spark job: trending tags and posts from the event lake, written where the API reads them.

Velocity in two sliding windows (the newest 1 and 6 lake hours) against a baseline (the
hourly mean of the 7 days before the 6-hour window, so a burst does not raise its own
baseline), scored like a Poisson z-score::

    expected = baseline_hourly * window_hours
    z        = (count - expected) / sqrt(expected + 1)      score = max(z_1h, z_6h)

``baseline_hourly`` is smoothed with :data:`PRIOR_PER_HOUR` pseudo-uses, and ``+ 1`` under the
root keeps a never-seen tag with three uses from scoring in the hundreds. Guards: a tag needs
:data:`MIN_TAG_ACCOUNTS` distinct accounts and :data:`MIN_TAG_USES` uses in the 6-hour window;
a post needs :data:`MIN_STATUS_ENGAGEMENTS` engagements (likes + 2 x reposts + replies), and its
baseline is its *author's* hourly engagement, so an author who always gets 50 likes does not
trend with every post.

Windows end at the lake's watermark (the end of its newest hour), not at the wall clock: a run
computes the same result from the same lake, and an idle hour between export and trends does
not empty the 1-hour window. Incremental: :mod:`pipelines.hourly` recomputes only the hours
whose lake files changed (a late event re-aggregates its hour, and every window containing it
is re-scored, since the scores are recomputed from the aggregates on each run). The tables
``trending_tags`` / ``trending_statuses`` are replaced in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from agora.settings import Settings
from pipelines import hourly
from pipelines.partitions import Hour, fingerprints
from pipelines.spark import spark_session

WINDOW_HOURS = (1, 6)
BASELINE_HOURS = 7 * 24
#: As if every tag (and author) were used (engaged with) once a day: a first-ever burst is
#: compared with "rare", not with zero.
PRIOR_PER_HOUR = 1 / 24
MIN_TAG_ACCOUNTS = 2
MIN_TAG_USES = 3
MIN_STATUS_ENGAGEMENTS = 3
TOP_TAGS = 100
TOP_STATUSES = 200
HISTORY_DAYS = 7


@dataclass
class TrendsResult:
    touched_hours: list[Hour]
    as_of: datetime | None
    tags: list[dict]
    statuses: list[dict]


def lake_watermark(settings: Settings) -> datetime | None:
    """The end of the newest hour partition in the lake."""
    hours = [Hour.parse(key) for key in fingerprints(settings.events_dir)]
    return max(hours).start + timedelta(hours=1) if hours else None


def score_tags(uses, as_of: datetime):
    """Tag uses per (hour, tag, account) → the top :data:`TOP_TAGS` trending tags, best first."""
    from pyspark.sql import functions as F

    aged = _with_age(uses, as_of).where(F.col("age") <= max(WINDOW_HOURS) + BASELINE_HOURS)
    short, long = WINDOW_HOURS
    counts = aged.groupBy("tag").agg(
        F.sum(F.when(F.col("age") <= short, F.col("uses")).otherwise(0)).alias("uses_1h"),
        F.sum(F.when(F.col("age") <= long, F.col("uses")).otherwise(0)).alias("uses_6h"),
        F.countDistinct(F.when(F.col("age") <= long, F.col("account_id"))).alias("accounts_6h"),
        F.sum(F.when(F.col("age") > long, F.col("uses")).otherwise(0)).alias("baseline_uses"))
    scored = _scored(counts, "uses_1h", "uses_6h", "baseline_uses")
    return scored.where((F.col("accounts_6h") >= MIN_TAG_ACCOUNTS) & (F.col("uses_6h") >= MIN_TAG_USES)
                        & (F.col("score") > 0)) \
        .orderBy(F.desc("score"), F.desc("uses_6h"), F.asc("tag")).limit(TOP_TAGS)


def score_statuses(engagement, as_of: datetime):
    """Post engagement per hour → the top :data:`TOP_STATUSES` trending posts, best first."""
    from pyspark.sql import functions as F

    aged = _with_age(engagement, as_of).where(F.col("age") <= max(WINDOW_HOURS) + BASELINE_HOURS) \
        .withColumn("engagements", F.col("likes") + 2 * F.col("reposts") + F.col("replies"))
    short, long = WINDOW_HOURS
    posts = aged.where(F.col("age") <= long).groupBy("status_id").agg(
        F.max("author_id").alias("author_id"),
        F.sum(F.when(F.col("age") <= short, F.col("engagements")).otherwise(0)).alias("engagements_1h"),
        F.sum("engagements").alias("engagements_6h"))
    authors = aged.where(F.col("age") > long).groupBy("author_id") \
        .agg(F.sum("engagements").alias("baseline_engagements"))
    joined = posts.join(authors, on="author_id", how="left").fillna(0, subset=["baseline_engagements"])
    scored = _scored(joined, "engagements_1h", "engagements_6h", "baseline_engagements")
    return scored.where((F.col("engagements_6h") >= MIN_STATUS_ENGAGEMENTS) & (F.col("score") > 0)) \
        .orderBy(F.desc("score"), F.desc("engagements_6h"), F.desc("status_id")).limit(TOP_STATUSES)


def tag_history(uses, tags: list[str], as_of: datetime) -> dict[str, list[dict]]:
    """Mastodon's tag ``history``: per day (newest first, ``day`` = unix time of its UTC midnight),
    uses and distinct accounts, for the last :data:`HISTORY_DAYS` days up to ``as_of``."""
    from pyspark.sql import functions as F

    newest = (as_of - timedelta(microseconds=1)).date()
    days = [newest - timedelta(days=d) for d in range(HISTORY_DAYS)]
    rows = uses.where(F.col("tag").isin(*tags) & (F.col("date") >= days[-1]) & (F.col("date") <= newest)) \
        .groupBy("tag", "date").agg(F.sum("uses").alias("uses"), F.countDistinct("account_id").alias("accounts")) \
        .collect()
    per_day = {(r["tag"], r["date"]): (r["uses"], r["accounts"]) for r in rows}
    midnight = {d: int(datetime(d.year, d.month, d.day, tzinfo=as_of.tzinfo).timestamp()) for d in days}
    return {tag: [{"day": str(midnight[d]), "uses": str(per_day.get((tag, d), (0, 0))[0]),
                   "accounts": str(per_day.get((tag, d), (0, 0))[1])} for d in days] for tag in tags}


def run(settings: Settings, master: str | None = None, *, rebuild: bool = False) -> TrendsResult:
    """Bring the hourly aggregates up to date, score, and replace the API's trends tables."""
    from platform_api.db import session_scope
    from platform_api.repositories import precomputed_trends

    spark = spark_session(settings, "agora-trends", master)
    touched = hourly.update(settings, spark, rebuild=rebuild)
    as_of = lake_watermark(settings)
    tags: list[dict] = []
    statuses: list[dict] = []
    uses = hourly.read_aggregate(spark, settings, hourly.TAG_USES)
    engagement = hourly.read_aggregate(spark, settings, hourly.STATUS_ENGAGEMENT)
    if as_of is not None and uses is not None:
        tags = [row.asDict() for row in score_tags(uses, as_of).collect()]
        history = tag_history(uses, [t["tag"] for t in tags], as_of)
        for tag in tags:
            tag["history"] = json.dumps(history[tag["tag"]])
    if as_of is not None and engagement is not None:
        statuses = [row.asDict() for row in score_statuses(engagement, as_of).collect()]
    with session_scope(settings) as session:
        precomputed_trends.replace_trending_tags(session, [
            {"rank": rank, "name": t["tag"], "score": t["score"], "uses_1h": t["uses_1h"], "uses_6h": t["uses_6h"],
             "accounts_6h": t["accounts_6h"], "baseline_hourly": t["baseline_hourly"], "history": t["history"],
             "as_of": as_of} for rank, t in enumerate(tags, start=1)])
        precomputed_trends.replace_trending_statuses(session, [
            {"rank": rank, "status_id": s["status_id"], "score": s["score"], "engagements_1h": s["engagements_1h"],
             "engagements_6h": s["engagements_6h"], "baseline_hourly": s["baseline_hourly"], "as_of": as_of}
            for rank, s in enumerate(statuses, start=1)])
    return TrendsResult(touched_hours=touched, as_of=as_of, tags=tags, statuses=statuses)


def _with_age(df, as_of: datetime):
    """``age``: 1 for the hour ending at ``as_of``, 2 for the one before, … (future hours dropped)."""
    from pyspark.sql import functions as F

    start = F.unix_timestamp(F.to_timestamp(F.col("date"))) + F.col("hour") * 3600
    seconds = F.lit(int(as_of.timestamp())) - start
    return df.withColumn("age", (seconds / 3600).cast("int")).where(F.col("age") >= 1)


def _scored(df, short_col: str, long_col: str, baseline_col: str):
    from pyspark.sql import functions as F

    short, long = WINDOW_HOURS
    baseline = (F.col(baseline_col) + PRIOR_PER_HOUR * BASELINE_HOURS) / BASELINE_HOURS

    def z(count: str, hours: int):
        expected = F.col("baseline_hourly") * hours
        return (F.col(count) - expected) / F.sqrt(expected + 1)

    return df.withColumn("baseline_hourly", baseline.cast("double")) \
        .withColumn("score", F.greatest(z(short_col, short), z(long_col, long)).cast("double"))
