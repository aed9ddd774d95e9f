"""Spark job: the event lake → daily feature snapshots that Feast serves and joins.

Every table has one row per entity per *snapshot day*: a day on which the entity had
activity in the trailing :data:`SNAPSHOT_WINDOW_DAYS` days (so 7-day counts fall back to
zero in the lake instead of freezing at their last value). A row's values cover the events
up to the end of its day, and ``event_timestamp`` says so: the day's last microsecond, or
the lake's watermark (its newest event) for the day still in progress. No row therefore
contains an event later than its own timestamp, which is what makes Feast's point-in-time
joins correct: an impression at time *t* only sees snapshots with ``event_timestamp <= t``.
Each entity also gets one *birth* row (its zero state, 1 µs before its first event) so that
Feast's file offline store always finds a snapshot at or before any row that references it.

``transform_*`` are pure DataFrame functions (events as read from the lake in, feature table
out); :func:`run` reads the lake, applies each, and replaces the tables under
``settings.feature_tables_dir/<table>/``. Every table is recomputed from the whole lake.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pyarrow.dataset as ds

from agora.events import LAKE_SCHEMA, EventType
from agora.settings import Settings
from pipelines.spark import spark_session

#: A snapshot row is emitted on every day with activity in the trailing window, so
#: 7-day aggregates are re-stated (and reach zero) after an entity goes quiet.
SNAPSHOT_WINDOW_DAYS = 7
#: Viewer→author affinity forgets with a 14-day half-life: tastes shift over weeks, and a
#: month-old like still weighs 1/4 of a fresh one.
AFFINITY_HALF_LIFE_DAYS = 14.0
#: Engagement rates are smoothed towards the platform-wide rate (as of the same day) with the
#: weight of this many impressions: a post with 3 impressions and 1 like is not a 33% post.
PRIOR_WEIGHT = 20.0
#: Hashtags are hashed (crc32 of the lower-cased tag) into this many topic buckets: a fixed-width
#: topic vector Feast can store per viewer and per author, with no vocabulary to keep in sync
#: between runs. 64 buckets: the synthetic world's 36 tags share 5 buckets.
TOPIC_BUCKETS = 64

_LAKE_COLUMNS = [f.name for f in LAKE_SCHEMA]


# --------------------------------------------------------------------------- tables

def transform_account_activity(events):
    """account_id (the actor): posts, likes given, follows and impressions seen (7-day and all-time)."""
    from pyspark.sql import functions as F

    events = _prepared(events)
    counts = {
        "posts": EventType.STATUS_CREATED,
        "likes_given": EventType.FAVOURITED,
        "follows": EventType.FOLLOWED,
        "impressions_seen": EventType.IMPRESSION,
    }
    acts = events.where(F.col("event_type").isin(*[str(t) for t in counts.values()])) \
        .select(F.col("actor_id").alias("account_id"), "event_type", "day", "occurred_at")
    snaps = _snapshots(acts, ["account_id"], counts, events)
    columns = []
    for name in counts:
        columns += [_window_sum(name, ["account_id"], SNAPSHOT_WINDOW_DAYS).alias(f"{name}_7d"),
                    _running_sum(name, ["account_id"]).alias(f"{name}_total")]
    return snaps.select("account_id", *columns, *_timestamps())


def transform_author_engagement(events):
    """author_id: posts, impressions received, smoothed like/reply/repost/hide rates, followers gained."""
    from pyspark.sql import functions as F

    events = _prepared(events)
    counts = {
        "posts": EventType.STATUS_CREATED,
        "impressions": EventType.IMPRESSION,
        "likes": EventType.FAVOURITED,
        "replies": EventType.REPLIED,
        "reposts": EventType.REBLOGGED,
        "hides": EventType.HIDDEN,
        "followers_gained": EventType.FOLLOWED,
    }
    status_types = [str(t) for n, t in counts.items() if n != "followers_gained"]
    on_statuses = events.where(F.col("event_type").isin(*status_types)) \
        .select(F.coalesce("author_id", F.when(F.col("event_type") == str(EventType.STATUS_CREATED),
                                               F.col("actor_id"))).alias("author_id"),
                "event_type", "day", "occurred_at")
    followed = events.where(F.col("event_type") == str(EventType.FOLLOWED)) \
        .select(F.col("target_account_id").alias("author_id"), "event_type", "day", "occurred_at")
    acts = on_statuses.unionByName(followed).where(F.col("author_id").isNotNull())
    snaps = _snapshots(acts, ["author_id"], counts, events)
    totals = snaps.select(
        "author_id", "prior_day",
        *(_running_sum(n, ["author_id"]).alias(n) for n in counts),
        _window_sum("posts", ["author_id"], SNAPSHOT_WINDOW_DAYS).alias("author_posts_7d"),
        _window_sum("followers_gained", ["author_id"], SNAPSHOT_WINDOW_DAYS).alias("author_followers_gained_7d"),
        *_timestamps())
    rated = totals.join(_global_rates(events), on="prior_day", how="left")
    return rated.select(
        "author_id",
        "author_posts_7d",
        F.col("posts").alias("author_posts_total"),
        F.col("impressions").alias("author_impressions_total"),
        F.col("likes").alias("author_likes_total"),
        *(_smoothed(n, "impressions").alias(f"author_{rate}_rate")
          for n, rate in (("likes", "like"), ("replies", "reply"), ("reposts", "repost"), ("hides", "hide"))),
        "author_followers_gained_7d",
        F.col("followers_gained").alias("author_followers_gained_total"),
        "event_timestamp", "created",
    )


def transform_post_engagement(events):
    """status_id: cumulative impressions, likes, replies, reposts, hides and the smoothed like rate."""
    from pyspark.sql import functions as F

    events = _prepared(events)
    counts = {
        "impressions": EventType.IMPRESSION,
        "likes": EventType.FAVOURITED,
        "replies": EventType.REPLIED,
        "reposts": EventType.REBLOGGED,
        "hides": EventType.HIDDEN,
    }
    acts = events.where(F.col("event_type").isin(*[str(t) for t in counts.values()])
                        & F.col("status_id").isNotNull()).select("status_id", "event_type", "day", "occurred_at")
    snaps = _snapshots(acts, ["status_id"], counts, events)
    totals = snaps.select("status_id", "prior_day", *(_running_sum(n, ["status_id"]).alias(n) for n in counts),
                          *_timestamps())
    rated = totals.join(_global_rates(events), on="prior_day", how="left")
    return rated.select("status_id", *(F.col(n).alias(f"post_{n}") for n in counts),
                        _smoothed("likes", "impressions").alias("post_like_rate"),
                        "event_timestamp", "created")


def transform_viewer_author_affinity(events):
    """(viewer_id, author_id): exponentially decayed counts of the viewer's past engagement with
    that author's posts (half-life :data:`AFFINITY_HALF_LIFE_DAYS`; self-engagement left out),
    and whether the viewer follows the author as of the snapshot (``va_following``, 0/1)."""
    from pyspark.sql import functions as F

    events = _prepared(events)
    engagements = {
        "impressions": EventType.IMPRESSION,
        "likes": EventType.FAVOURITED,
        "replies": EventType.REPLIED,
        "reposts": EventType.REBLOGGED,
        "hides": EventType.HIDDEN,
    }
    ties = {"follows": EventType.FOLLOWED, "unfollows": EventType.UNFOLLOWED}
    keys = ["viewer_id", "author_id"]
    on_posts = events.where(F.col("event_type").isin(*[str(t) for t in engagements.values()])
                            & F.col("author_id").isNotNull() & (F.col("actor_id") != F.col("author_id"))) \
        .select(F.col("actor_id").alias("viewer_id"), "author_id", "event_type", "day", "occurred_at")
    on_accounts = events.where(F.col("event_type").isin(*[str(t) for t in ties.values()])
                               & F.col("target_account_id").isNotNull()) \
        .select(F.col("actor_id").alias("viewer_id"), F.col("target_account_id").alias("author_id"),
                "event_type", "day", "occurred_at")
    snaps = _snapshots(on_posts.unionByName(on_accounts), keys, {**engagements, **ties}, events)
    following = _running_sum("follows", keys) - _running_sum("unfollows", keys)
    return snaps.select(*keys, *(_decayed_sum(n, keys, AFFINITY_HALF_LIFE_DAYS).alias(f"va_{n}") for n in engagements),
                        F.least(F.greatest(following, F.lit(0)), F.lit(1)).cast("long").alias("va_following"),
                        *_timestamps())


#: What the viewer did per topic (``viewer_topics``); clicks are noisier than likes but twice as
#: many again, so they sharpen the per-topic rates of viewers with little history.
VIEWER_TOPIC_ENGAGEMENTS: dict[str, EventType] = {
    "impressions": EventType.IMPRESSION,
    "likes": EventType.FAVOURITED,
    "clicks": EventType.CLICKED,
}

#: The real-time counters of a post (``post_counters``), by the event that increments each.
POST_COUNTERS: dict[str, EventType] = {
    "live_impressions": EventType.IMPRESSION,
    "live_likes": EventType.FAVOURITED,
    "live_replies": EventType.REPLIED,
    "live_reposts": EventType.REBLOGGED,
    "live_clicks": EventType.CLICKED,
    "live_hides": EventType.HIDDEN,
}


def transform_post_counters(events):
    """status_id: engagement counts so far, one row per moment they change (its creation and
    every impression, like, reply, repost, click or hide), stamped with that moment. The point-in-time
    join then sees exactly the counts before an impression; between runs,
    ``pipelines/push_counters.py`` pushes the same columns (``post_counters_push``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    events = _prepared(events)
    acts = events.where(F.col("event_type").isin(str(EventType.STATUS_CREATED), *map(str, POST_COUNTERS.values()))
                        & F.col("status_id").isNotNull())
    per_moment = acts.groupBy("status_id", "occurred_at").agg(
        *(F.sum(F.when(F.col("event_type") == str(t), 1).otherwise(0)).alias(n) for n, t in POST_COUNTERS.items()))
    so_far = Window.partitionBy("status_id").orderBy("occurred_at") \
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    return per_moment.select("status_id", *(F.sum(n).over(so_far).cast("long").alias(n) for n in POST_COUNTERS),
                             F.col("occurred_at").alias("event_timestamp"), F.current_timestamp().alias("created"))


def transform_post_topics(events):
    """status_id: the topic buckets of its hashtags (sorted, distinct), stamped with its creation."""
    from pyspark.sql import functions as F

    created = _prepared(events).where((F.col("event_type") == str(EventType.STATUS_CREATED))
                                      & F.col("status_id").isNotNull())
    buckets = _status_buckets(created).groupBy("status_id").agg(
        F.array_sort(F.collect_set("bucket")).alias("post_topic_buckets"))
    return created.groupBy("status_id").agg(F.min("occurred_at").alias("event_timestamp")) \
        .join(buckets, on="status_id", how="left") \
        .select("status_id", F.coalesce("post_topic_buckets", F.array().cast("array<bigint>")).alias("post_topic_buckets"),
                "event_timestamp", F.current_timestamp().alias("created"))


def transform_viewer_topics(events):
    """viewer_id: per topic bucket, counts so far of the viewer's impressions, likes and clicks
    (self-engagement left out; their ratios are the viewer's engagement rates per topic), of the
    viewer's own posts, and of the posts their followees wrote while followed (what one writes
    about and whom one follows say what one cares about before the first like), each as a
    :data:`TOPIC_BUCKETS`-long array."""
    from pyspark.sql import functions as F

    events = _prepared(events)
    buckets = _status_buckets(events)
    engagements = {f"viewer_topic_{name}": str(t) for name, t in VIEWER_TOPIC_ENGAGEMENTS.items()}
    measures = [*engagements, "viewer_topic_posts", "viewer_topic_followee_posts"]
    # Counted per (viewer, status, day) before meeting the status's buckets: popular posts are
    # seen many times a day by the same viewer, and each row here becomes one row per bucket.
    engaged = events.where(F.col("event_type").isin(*engagements.values())
                           & (F.col("actor_id") != F.col("author_id"))) \
        .groupBy(F.col("actor_id").alias("viewer_id"), "status_id", "day") \
        .agg(F.min("occurred_at").alias("occurred_at"),
             *(F.count(F.when(F.col("event_type") == t, 1)).alias(m) for m, t in engagements.items())) \
        .join(buckets, on="status_id") \
        .select("viewer_id", "bucket", "day", "occurred_at", *engagements, *_zeros(measures, engagements))
    written = events.where(F.col("event_type") == str(EventType.STATUS_CREATED)).join(buckets, on="status_id")
    own = written.select(F.col("actor_id").alias("viewer_id"), "bucket", "day", "occurred_at",
                         F.lit(1).cast("long").alias("viewer_topic_posts"), *_zeros(measures, ["viewer_topic_posts"]))
    follows = events.where(F.col("event_type") == str(EventType.FOLLOWED)) \
        .select(F.col("actor_id").alias("viewer_id"), F.col("target_account_id").alias("followee"),
                F.col("occurred_at").alias("followed_at"))
    followee_posts = written.join(follows, on=written["actor_id"] == follows["followee"]) \
        .where(F.col("followed_at") <= F.col("occurred_at")) \
        .select("viewer_id", "bucket", "day", "occurred_at", F.lit(1).cast("long").alias("viewer_topic_followee_posts"),
                *_zeros(measures, ["viewer_topic_followee_posts"]))
    return _topic_vectors(engaged.unionByName(own).unionByName(followee_posts), "viewer_id", measures, events)


def transform_author_topics(events):
    """author_id: how many posts the author has written per topic bucket, as an array."""
    from pyspark.sql import functions as F

    events = _prepared(events)
    posts = events.where(F.col("event_type") == str(EventType.STATUS_CREATED))
    acts = posts.join(_status_buckets(events), on="status_id") \
        .select(F.col("actor_id").alias("author_id"), "bucket", "day", "occurred_at",
                F.lit(1).cast("long").alias("author_topic_posts"))
    return _topic_vectors(acts, "author_id", ["author_topic_posts"], events)


TABLES: dict[str, Callable] = {
    "account_activity": transform_account_activity,
    "author_engagement": transform_author_engagement,
    "post_engagement": transform_post_engagement,
    "viewer_author_affinity": transform_viewer_author_affinity,
    "post_counters": transform_post_counters,
    "post_topics": transform_post_topics,
    "viewer_topics": transform_viewer_topics,
    "author_topics": transform_author_topics,
}


# --------------------------------------------------------------------------- job

def read_events(spark, events_dir):
    """The lake as one DataFrame with :data:`LAKE_SCHEMA`'s columns (partition columns dropped)."""
    if not any(events_dir.glob("date=*/hour=*/*.parquet")):
        raise FileNotFoundError(f"no events in the lake at {events_dir}: run `agora pipeline export` first")
    return spark.read.schema(lake_read_schema()).option("basePath", str(events_dir)) \
        .parquet(str(events_dir)).select(*_LAKE_COLUMNS)


def lake_read_schema():
    """LAKE_SCHEMA as Spark types, plus the partition columns (no footer sampling needed)."""
    from pyspark.sql import types as T

    spark_types = {"int64": T.LongType(), "string": T.StringType(), "timestamp[us, tz=UTC]": T.TimestampType()}
    fields = [T.StructField(f.name, spark_types[str(f.type)], f.nullable) for f in LAKE_SCHEMA]
    return T.StructType([*fields, T.StructField("date", T.DateType()), T.StructField("hour", T.IntegerType())])


def run(settings: Settings, master: str | None = None) -> dict[str, int]:
    """Recompute every feature table from the whole lake; returns the row count per table."""
    spark = spark_session(settings, "agora-features", master)
    events = read_events(spark, settings.events_dir)
    # Every transform starts with _prepared(events): cached once, Spark's cache manager answers
    # that same plan from memory, so the lake is read and deduplicated (a full shuffle) once,
    # not once per table.
    prepared = _prepared(events).cache()
    written = {}
    try:
        for name, transform in TABLES.items():
            written[name] = _replace_table(transform(events), settings.feature_tables_dir / name)
    finally:
        prepared.unpersist()
    return written


def _replace_table(df, path) -> int:
    """Write next to the table, then swap directories: a failed job leaves the old table intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.next")
    retired = path.with_name(f".{path.name}.old")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    df.write.mode("overwrite").parquet(str(staging))
    rows = ds.dataset(staging, format="parquet").count_rows()  # Parquet footers: no second Spark job
    if path.exists():
        path.rename(retired)
    staging.rename(path)
    shutil.rmtree(retired, ignore_errors=True)
    return rows


# --------------------------------------------------------------------------- building blocks

def _prepared(events):
    """Defensive dedup by ``event_id`` (the outbox id), plus the UTC day of each event."""
    from pyspark.sql import functions as F

    return events.dropDuplicates(["event_id"]).withColumn("day", F.to_date("occurred_at"))


def _status_buckets(events):
    """(status_id, bucket): the topic buckets of each status's hashtags (``status.created`` payload)."""
    from pyspark.sql import functions as F

    created = events.where((F.col("event_type") == str(EventType.STATUS_CREATED)) & F.col("status_id").isNotNull())
    tags = F.from_json("payload", "struct<tags:array<string>>").getField("tags")
    return created.select("status_id", F.explode(tags).alias("tag")).select(
        "status_id", F.pmod(F.crc32(F.lower("tag").cast("binary")), F.lit(TOPIC_BUCKETS)).alias("bucket")).distinct()


def _topic_vectors(acts, key: str, measures: list[str], events):
    """``acts`` (key, bucket, day, occurred_at, one count column per measure) → one row per
    snapshot of ``key`` (the :func:`_snapshots` grid and timestamps) with, per measure, a
    :data:`TOPIC_BUCKETS`-long array of its counts so far. Summed in long form (key, bucket) and
    only then laid out as arrays, so the plan does not grow with the number of buckets.

    Not lazy: the daily counts are computed when this is called (see below)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # ``acts`` is the costly part (events × topic buckets of their status). Its daily counts are
    # read three times below, each needing other columns, so the optimizer would prune each
    # copy differently and recompute ``acts`` three times: materialise them once instead.
    daily = acts.groupBy(key, "bucket", "day") \
        .agg(*(F.sum(m).cast("long").alias(m) for m in measures), F.min("occurred_at").alias("first_at")) \
        .localCheckpoint()
    per_day = daily.groupBy(key, "day").agg(*(F.sum(m).alias(m) for m in measures), F.min("first_at").alias("first_at"))
    grid = _snapshot_grid(per_day, [key], measures, events) \
        .select(key, "day", "watermark", "is_birth", "birth_ts")
    # Every day with activity is a snapshot day, so a running sum per (key, bucket) over the
    # key's snapshot days gives the counts so far: rows grow with days × buckets, not with
    # days × (days × buckets), as a join on counted_day <= day would. Every bucket gets a row,
    # so the arrays are the sorted cells as they are (no per-bucket lookups).
    all_buckets = acts.sparkSession.range(TOPIC_BUCKETS).select(F.col("id").alias("bucket"))
    so_far = Window.partitionBy(key, "bucket").orderBy("day").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    cells = grid.where(~F.col("is_birth")).select(key, "day").crossJoin(F.broadcast(all_buckets)) \
        .join(daily, on=[key, "bucket", "day"], how="left") \
        .select(key, "day", "bucket", *(F.sum(F.coalesce(m, F.lit(0))).over(so_far).alias(m) for m in measures)) \
        .groupBy(key, "day").agg(F.array_sort(F.collect_list(F.struct("bucket", *measures))).alias("cells"))

    def dense(measure: str):  # the measure's count in each bucket, in bucket order; birth rows: zeros
        return F.coalesce(F.transform("cells", lambda cell: cell[measure].cast("double")),
                          F.array_repeat(F.lit(0.0), TOPIC_BUCKETS))

    return grid.join(cells.withColumn("is_birth", F.lit(False)), on=[key, "day", "is_birth"], how="left") \
        .select(key, *(dense(m).alias(m) for m in measures), *_timestamps())


def _zeros(measures: list[str], present):
    """Zero count columns for the measures a union's branch does not count."""
    from pyspark.sql import functions as F

    return [F.lit(0).cast("long").alias(m) for m in measures if m not in present]


def _daily_counts(acts, keys: list[str], counts: dict[str, EventType]):
    """Per (keys, day): how many acts of each kind, and the first act's time (``first_at``)."""
    from pyspark.sql import functions as F

    return acts.groupBy(*keys, "day").agg(
        *(F.sum(F.when(F.col("event_type") == str(t), 1).otherwise(0)).cast("long").alias(n)
          for n, t in counts.items()),
        F.min("occurred_at").alias("first_at"))


def _snapshots(acts, keys: list[str], counts: dict[str, EventType], events):
    """Daily counts spread onto the snapshot grid: every (entity, day) with activity in the
    trailing window, up to the lake's last day, plus one *birth* row per entity.

    The birth row is the entity's zero state, stamped 1 µs before its first event. Feast's
    file offline store drops an entity row whose candidate snapshots all lie after it (an
    impression on a post's first day would vanish from the training set), so every entity
    needs a row at or before anything that can reference it.

    Adds ``order_key`` (days since epoch; birth rows half a day earlier, so they sort first
    and fall outside a same-day window), ``prior_day`` (the day whose platform-wide rates a
    row may use), ``watermark``, ``is_birth``, ``birth_ts`` and zero-filled counts."""
    return _snapshot_grid(_daily_counts(acts, keys, counts), keys, list(counts), events)


def _snapshot_grid(daily, keys: list[str], metrics: list[str], events):
    """:func:`_snapshots` from the daily counts (keys, day, metrics…, first_at) of the acts."""
    from pyspark.sql import functions as F

    watermark = events.agg(F.max("occurred_at").alias("watermark"))
    # Each active day also opens the next WINDOW-1 days (with zero counts); one groupBy
    # merges a day's own counts with the zeros other days opened.
    offset = F.col("offset")
    spread = daily.crossJoin(watermark).select(
        *keys, "watermark", "day", *metrics,
        F.explode(F.sequence(F.lit(0), F.lit(SNAPSHOT_WINDOW_DAYS - 1))).alias("offset"),
    ).select(
        *keys, "watermark", F.date_add("day", offset).alias("day"),
        *(F.when(offset == 0, F.col(m)).otherwise(F.lit(0)).alias(m) for m in metrics),
    ).where(F.col("day") <= F.to_date("watermark"))
    grid = spread.groupBy(*keys, "day", "watermark").agg(*(F.sum(m).cast("long").alias(m) for m in metrics)) \
        .select(*keys, "day", "watermark", *metrics, F.lit(False).alias("is_birth"),
                F.lit(None).cast("timestamp").alias("birth_ts"), F.col("day").alias("prior_day"))
    births = daily.groupBy(*keys).agg(F.min("first_at").alias("first_at")).crossJoin(watermark).select(
        *keys, F.to_date("first_at").alias("day"), "watermark", *(F.lit(0).cast("long").alias(m) for m in metrics),
        F.lit(True).alias("is_birth"), (F.col("first_at") - F.expr("INTERVAL 1 MICROSECOND")).alias("birth_ts"),
        F.date_sub(F.to_date("first_at"), 1).alias("prior_day"))
    epoch_day = F.datediff("day", F.lit("1970-01-01").cast("date")).cast("double")
    return grid.unionByName(births).withColumn(
        "order_key", F.when(F.col("is_birth"), epoch_day - 0.5).otherwise(epoch_day))


def _timestamps():
    """``event_timestamp``: the end of the snapshot's day, or the watermark for the day in
    progress (birth rows: just before the first event); ``created``: when this job wrote the
    row (Feast's tie-breaker between rewrites)."""
    from pyspark.sql import functions as F

    day_end = F.expr("timestamp(date_add(day, 1)) - INTERVAL 1 MICROSECOND")
    return [F.when(F.col("is_birth"), F.col("birth_ts")).otherwise(F.least(day_end, F.col("watermark")))
            .alias("event_timestamp"),
            F.current_timestamp().alias("created")]


def _running_sum(column: str, keys: list[str]):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*keys).orderBy("order_key").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    return F.sum(column).over(window)


def _window_sum(column: str, keys: list[str], days: int):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*keys).orderBy("order_key").rangeBetween(-(days - 1), 0)
    return F.sum(column).over(window)


def _decayed_sum(column: str, keys: list[str], half_life_days: float):
    """sum over past days d of count_d * 2^-((day - d) / half_life), as of the end of ``day``.

    Rescaled from the entity's first day so the exponent stays small:
    2^-(D-d0)/h * cumsum(count_d * 2^(d-d0)/h)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    first_day = F.min("order_key").over(Window.partitionBy(*keys))
    running = Window.partitionBy(*keys).orderBy("order_key").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    offset = F.col("order_key") - first_day
    grown = F.col(column) * F.pow(F.lit(2.0), offset / half_life_days)
    return F.sum(grown).over(running) * F.pow(F.lit(2.0), -offset / half_life_days)


def _global_rates(events):
    """Platform-wide engagement rates per ``prior_day`` (cumulative up to that day's end): the priors."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    names = {"impressions": EventType.IMPRESSION, "likes": EventType.FAVOURITED,
             "replies": EventType.REPLIED, "reposts": EventType.REBLOGGED, "hides": EventType.HIDDEN}
    daily = events.groupBy("day").agg(*(F.sum(F.when(F.col("event_type") == str(t), 1).otherwise(0)).alias(n)
                                        for n, t in names.items()))
    days = events.agg(F.min("day").alias("first"), F.max("day").alias("last")) \
        .select(F.explode(F.sequence("first", "last")).alias("day"))
    # A few hundred rows at most: one partition is fine for the running sum.
    running = Window.orderBy("day").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    totals = days.join(daily, on="day", how="left").fillna(0) \
        .select("day", *(F.sum(n).over(running).alias(f"g_{n}") for n in names))
    impressions = F.greatest(F.col("g_impressions"), F.lit(1))
    return totals.select(F.col("day").alias("prior_day"),
                         *(F.least(F.col(f"g_{n}") / impressions, F.lit(1.0)).alias(f"prior_{n}")
                           for n in names if n != "impressions"))


def _smoothed(events_col: str, impressions_col: str):
    """(events + w * prior) / (impressions + w), clipped to [0, 1] (no prior yet: 0)."""
    from pyspark.sql import functions as F

    prior = F.coalesce(F.col(f"prior_{events_col}"), F.lit(0.0))
    rate = (F.col(events_col) + PRIOR_WEIGHT * prior) / (F.col(impressions_col) + PRIOR_WEIGHT)
    return F.least(rate, F.lit(1.0)).cast("double")
