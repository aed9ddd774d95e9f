"""Per-account feature views: an account's own activity, and its reception as an author."""

from datetime import timedelta

from feast import FeatureView, Field
from feast.types import Float64, Int64

from entities import account, author
from sources import account_activity_source, author_engagement_source

#: Snapshots are daily and re-stated for a week after the last activity; an account quiet for
#: longer than this reads as unknown (nulls → 0 in the ranker's preprocessing).
ACCOUNT_TTL = timedelta(days=60)

account_activity = FeatureView(
    name="account_activity",
    entities=[account],
    ttl=ACCOUNT_TTL,
    schema=[
        Field(name="posts_7d", dtype=Int64),
        Field(name="posts_total", dtype=Int64),
        Field(name="likes_given_7d", dtype=Int64),
        Field(name="likes_given_total", dtype=Int64),
        Field(name="follows_7d", dtype=Int64),
        Field(name="follows_total", dtype=Int64),
        Field(name="impressions_seen_7d", dtype=Int64),
        Field(name="impressions_seen_total", dtype=Int64),
    ],
    source=account_activity_source,
    online=True,
    tags={"team": "ranking", "grain": "daily"},
)

author_engagement = FeatureView(
    name="author_engagement",
    entities=[author],
    ttl=ACCOUNT_TTL,
    schema=[
        Field(name="author_posts_7d", dtype=Int64),
        Field(name="author_posts_total", dtype=Int64),
        Field(name="author_impressions_total", dtype=Int64),
        Field(name="author_likes_total", dtype=Int64),
        Field(name="author_like_rate", dtype=Float64, description="likes/impressions, smoothed to the platform rate"),
        Field(name="author_reply_rate", dtype=Float64),
        Field(name="author_repost_rate", dtype=Float64),
        Field(name="author_hide_rate", dtype=Float64),
        Field(name="author_followers_gained_7d", dtype=Int64),
        Field(name="author_followers_gained_total", dtype=Int64),
    ],
    source=author_engagement_source,
    online=True,
    tags={"team": "ranking", "grain": "daily"},
)
