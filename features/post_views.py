"""Per-status features: engagement so far (batch), age at request time and quality so far (on demand)."""

from datetime import timedelta

from feast import FeatureView, Field, RequestSource
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Array, Float64, Int64

from account_views import author_engagement
from entities import status
from sources import post_counters_push, post_engagement_source, post_topics_source

#: Feeds show posts from the last days; a month of history is plenty.
POST_TTL = timedelta(days=30)

post_engagement = FeatureView(
    name="post_engagement",
    entities=[status],
    ttl=POST_TTL,
    schema=[
        Field(name="post_impressions", dtype=Int64),
        Field(name="post_likes", dtype=Int64),
        Field(name="post_replies", dtype=Int64),
        Field(name="post_reposts", dtype=Int64),
        Field(name="post_hides", dtype=Int64),
        Field(name="post_like_rate", dtype=Float64, description="likes/impressions, smoothed to the platform rate"),
    ],
    source=post_engagement_source,
    online=True,
    tags={"team": "ranking", "grain": "daily"},
)

#: Counts so far, exact to the event (batch) and pushed by the API as they change (online).
post_counters = FeatureView(
    name="post_counters",
    entities=[status],
    ttl=POST_TTL,
    schema=[
        Field(name="live_impressions", dtype=Int64),
        Field(name="live_likes", dtype=Int64),
        Field(name="live_replies", dtype=Int64),
        Field(name="live_reposts", dtype=Int64),
        Field(name="live_clicks", dtype=Int64),
        Field(name="live_hides", dtype=Int64),
    ],
    source=post_counters_push,
    online=True,
    tags={"team": "ranking", "grain": "event"},
)

#: A post's hashtags as topic buckets (pipelines/features.py TOPIC_BUCKETS); fixed at creation.
post_topics = FeatureView(
    name="post_topics",
    entities=[status],
    ttl=POST_TTL,
    schema=[Field(name="post_topic_buckets", dtype=Array(Int64))],
    source=post_topics_source,
    online=True,
    tags={"team": "ranking", "grain": "status"},
)

#: Known only when ranking: the candidate's age in seconds (training: impression time − post time).
candidate_request = RequestSource(
    name="candidate_request",
    schema=[Field(name="age_seconds", dtype=Float64)],
)


@on_demand_feature_view(
    sources=[candidate_request],
    schema=[
        Field(name="age_hours", dtype=Float64),
        Field(name="log_age_hours", dtype=Float64),
    ],
    # Python mode: Feast hands the UDF plain lists, skipping a pandas round trip per request.
    # The transform itself is features/on_demand.py's, which the ranker service also calls.
    mode="python",
    description="Post age at request time; identical code for training and serving.",
)
def post_age(inputs: dict) -> dict:
    from features.on_demand import as_feast_output, post_age

    return as_feast_output(post_age(inputs))


@on_demand_feature_view(
    sources=[post_counters, author_engagement[["author_like_rate"]]],
    schema=[
        Field(name="post_like_rate_so_far", dtype=Float64),
        Field(name="post_click_rate_so_far", dtype=Float64),
    ],
    mode="python",
    description="Like and click rates so far, shrunk to the author's like rate; same code in training and serving.",
)
def post_quality(inputs: dict) -> dict:
    """The candidate's rates so far: ``features.on_demand.post_quality`` on Feast's lists."""
    from features.on_demand import as_feast_output, post_quality, scalars

    names = ("live_impressions", "live_likes", "live_clicks", "author_like_rate")
    return as_feast_output(post_quality({name: scalars(inputs[name]) for name in names}))
