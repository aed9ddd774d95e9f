"""Topic features: what the viewer likes per topic, what the author writes about, and how well a
candidate's topics match them (computed at request time from the three vectors)."""

from datetime import timedelta

from feast import FeatureView, Field
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Array, Float64

from entities import author, viewer
from post_views import post_topics
from sources import author_topics_source, viewer_topics_source

#: Tastes are long-lived: a viewer quiet for two months reads as unknown.
TOPIC_TTL = timedelta(days=60)

viewer_topics = FeatureView(
    name="viewer_topics",
    entities=[viewer],
    ttl=TOPIC_TTL,
    schema=[
        Field(name="viewer_topic_impressions", dtype=Array(Float64), description="impressions seen per topic bucket"),
        Field(name="viewer_topic_likes", dtype=Array(Float64), description="likes given per topic bucket"),
        Field(name="viewer_topic_clicks", dtype=Array(Float64), description="clicks per topic bucket"),
        Field(name="viewer_topic_posts", dtype=Array(Float64), description="own posts per topic bucket"),
        Field(name="viewer_topic_followee_posts", dtype=Array(Float64),
              description="posts by accounts the viewer follows, per topic bucket"),
    ],
    source=viewer_topics_source,
    online=True,
    tags={"team": "ranking", "grain": "daily"},
)

author_topics = FeatureView(
    name="author_topics",
    entities=[author],
    ttl=TOPIC_TTL,
    schema=[Field(name="author_topic_posts", dtype=Array(Float64), description="posts written per topic bucket")],
    source=author_topics_source,
    online=True,
    tags={"team": "ranking", "grain": "daily"},
)


@on_demand_feature_view(
    sources=[viewer_topics, author_topics, post_topics],
    schema=[
        Field(name="topic_impressions", dtype=Float64),
        Field(name="topic_likes", dtype=Float64),
        Field(name="topic_like_rate", dtype=Float64),
        Field(name="topic_like_lift", dtype=Float64),
        Field(name="topic_cosine", dtype=Float64),
        Field(name="author_topic_cosine", dtype=Float64),
        Field(name="own_topic_cosine", dtype=Float64),
        Field(name="own_author_topic_cosine", dtype=Float64),
        Field(name="topic_click_rate", dtype=Float64),
        Field(name="followee_topic_share", dtype=Float64),
    ],
    mode="python",
    description="Viewer × candidate topic match; identical code for training and serving.",
)
def topic_match(inputs: dict) -> dict:
    """Viewer × candidate topic match: ``features.on_demand.topic_match`` on Feast's lists."""
    from features.on_demand import TOPIC_INPUTS, as_feast_output, padded, topic_match

    return as_feast_output(topic_match({name: padded(inputs[name]) for name in TOPIC_INPUTS}))
