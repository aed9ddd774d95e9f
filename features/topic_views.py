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
    """Per candidate: the viewer's impressions and likes on the post's topics, the like and click
    rates there (smoothed towards the viewer's own rates with the weight of 3 impressions) and the
    like rate's lift, the cosines of the viewer's like vector and own-post vector with the post's
    topics and with the author's topic mix, and the share of the viewer's followees' posts on the
    post's topics. Vectorised with numpy: a request scores ~1,000 rows."""
    import numpy as np

    def matrix(rows):
        width = max((len(r) for r in rows if r is not None), default=0)
        return np.array([r if r is not None and len(r) == width else np.zeros(width) for r in rows],
                        dtype=np.float64).reshape(len(rows), width)

    impressions, likes = matrix(inputs["viewer_topic_impressions"]), matrix(inputs["viewer_topic_likes"])
    clicks, own = matrix(inputs["viewer_topic_clicks"]), matrix(inputs["viewer_topic_posts"])
    followed, authored = matrix(inputs["viewer_topic_followee_posts"]), matrix(inputs["author_topic_posts"])
    vectors = [impressions, likes, clicks, own, followed, authored]
    n = len(inputs["post_topic_buckets"])
    width = max(max(m.shape[1] for m in vectors), 1)
    impressions, likes, clicks, own, followed, authored = (m if m.shape[1] == width else np.zeros((n, width))
                                                           for m in vectors)
    buckets = [() if b is None else b for b in inputs["post_topic_buckets"]]
    onehot = np.zeros((n, width))
    rows = np.repeat(np.arange(n), [len(b) for b in buckets])
    onehot[rows, np.fromiter((x for b in buckets for x in b), dtype=np.int64, count=len(rows)) % width] = 1.0
    topic_impressions, topic_likes = (impressions * onehot).sum(1), (likes * onehot).sum(1)
    viewer_rate = (likes.sum(1) + 1.0) / (impressions.sum(1) + 4.0)
    rate = (topic_likes + 3.0 * viewer_rate) / (topic_impressions + 3.0)
    viewer_click_rate = (clicks.sum(1) + 1.0) / (impressions.sum(1) + 4.0)
    click_rate = ((clicks * onehot).sum(1) + 3.0 * viewer_click_rate) / (topic_impressions + 3.0)
    followee_total = followed.sum(1)

    def cosine(a, b):
        norm = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        return np.divide((a * b).sum(1), norm, out=np.zeros(n), where=norm > 0)

    return {"topic_impressions": topic_impressions.tolist(), "topic_likes": topic_likes.tolist(),
            "topic_like_rate": rate.tolist(), "topic_like_lift": (rate / viewer_rate).tolist(),
            "topic_cosine": cosine(likes, onehot).tolist(), "author_topic_cosine": cosine(likes, authored).tolist(),
            "own_topic_cosine": cosine(own, onehot).tolist(), "own_author_topic_cosine": cosine(own, authored).tolist(),
            "topic_click_rate": click_rate.tolist(),
            "followee_topic_share": np.divide((followed * onehot).sum(1), followee_total, out=np.zeros(n),
                                              where=followee_total > 0).tolist()}
