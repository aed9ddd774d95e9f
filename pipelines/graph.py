"""Spark job: the follow graph in the lake → friends-of-friends candidates, top K per account.

The follow graph is the last follow/unfollow event of each pair. A path viewer → via →
candidate weighs ``1 / log(followers + following of via)`` (Adamic-Adar, a degree below 2
counts as 2: the weighting of ``models/suggest``'s candidates and of the API's fallback). A
candidate's score is the sum over its paths; the viewer, and accounts the viewer already
follows, are left out. Ties: more followers first, then the lower id. The output
(``lake/graph/friends_of_friends``) also names up to three accounts in between, best first,
for the suggestion's "followed by @ana, @bo…"."""

from __future__ import annotations

from agora.events import EventType
from agora.settings import Settings
from pipelines.features import _replace_table, read_events
from pipelines.spark import spark_session

DEFAULT_TOP_K = 100
VIA_NAMED = 3


def graph_dir(settings: Settings):
    return settings.lake_dir / "graph"


def follow_edges(events):
    """``account_id, target_account_id`` of every follow standing at the end of the lake."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    pairs = events.where(F.col("event_type").isin(str(EventType.FOLLOWED), str(EventType.UNFOLLOWED))
                         & F.col("target_account_id").isNotNull()
                         & (F.col("actor_id") != F.col("target_account_id")))
    last = Window.partitionBy("actor_id", "target_account_id").orderBy(F.desc("occurred_at"), F.desc("event_id"))
    return (pairs.withColumn("rank", F.row_number().over(last)).where("rank = 1")
            .where(F.col("event_type") == str(EventType.FOLLOWED))
            .select(F.col("actor_id").alias("account_id"), "target_account_id"))


def transform_friends_of_friends(events, top_k: int = DEFAULT_TOP_K):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    edges = follow_edges(events).cache()
    followers = edges.groupBy(F.col("target_account_id").alias("id")).agg(F.count("*").alias("followers"))
    following = edges.groupBy(F.col("account_id").alias("id")).agg(F.count("*").alias("following"))
    degree = followers.join(following, "id", "full_outer").na.fill(0) \
        .select("id", "followers", (1.0 / F.log(F.greatest(F.col("followers") + F.col("following"), F.lit(2.0))))
                .alias("weight"))
    first = edges.select(F.col("account_id").alias("viewer_id"), F.col("target_account_id").alias("via_id"))
    second = edges.select(F.col("account_id").alias("via_id"), F.col("target_account_id").alias("candidate_id"))
    paths = (first.join(second, "via_id")
             .where(F.col("candidate_id") != F.col("viewer_id"))
             .join(edges.select(F.col("account_id").alias("viewer_id"), F.col("target_account_id").alias("candidate_id")),
                   ["viewer_id", "candidate_id"], "left_anti")
             .join(degree.select(F.col("id").alias("via_id"), "weight"), "via_id"))
    scored = paths.groupBy("viewer_id", "candidate_id").agg(
        # rounded: summation order must not decide between equal scores
        F.round(F.sum("weight"), 9).alias("score"), F.count("*").alias("via_count"),
        F.slice(F.sort_array(F.collect_list(F.struct((-F.col("weight")).alias("w"), "via_id"))), 1, VIA_NAMED)
        .alias("via"))
    scored = scored.join(degree.select(F.col("id").alias("candidate_id"), F.col("followers").alias("candidate_followers")),
                         "candidate_id", "left").na.fill(0, ["candidate_followers"])
    order = Window.partitionBy("viewer_id").orderBy(F.desc("score"), F.desc("candidate_followers"), "candidate_id")
    return (scored.withColumn("rank", F.row_number().over(order)).where(F.col("rank") <= top_k)
            .select("viewer_id", "candidate_id", "rank", "score", "via_count",
                    F.col("via.via_id").alias("via_ids"), "candidate_followers"))


def run(settings: Settings, master: str | None = None, top_k: int = DEFAULT_TOP_K) -> int:
    """Recompute the table from the whole lake (a graph job: every follow can change every
    score); returns its row count. A failed run leaves the previous table in place."""
    spark = spark_session(settings, "agora-graph", master)
    events = read_events(spark, settings.events_dir)
    return _replace_table(transform_friends_of_friends(events, top_k), graph_dir(settings) / "friends_of_friends")
