"""Viewer × author features: how this viewer has engaged with this author before, and the follow tie."""

from datetime import timedelta

from feast import FeatureView, Field
from feast.types import Float64, Int64

from entities import author, viewer
from sources import viewer_author_affinity_source

#: Counts decay with a 14-day half-life (pipelines/features.py); after 60 quiet days they are
#: below 5% of their value, so an expired row reads as "no history" without much loss.
AFFINITY_TTL = timedelta(days=60)

viewer_author_affinity = FeatureView(
    name="viewer_author_affinity",
    entities=[viewer, author],
    ttl=AFFINITY_TTL,
    schema=[
        Field(name="va_impressions", dtype=Float64),
        Field(name="va_likes", dtype=Float64),
        Field(name="va_replies", dtype=Float64),
        Field(name="va_reposts", dtype=Float64),
        Field(name="va_hides", dtype=Float64),
        Field(name="va_following", dtype=Int64, description="1 if the viewer follows the author"),
    ],
    source=viewer_author_affinity_source,
    online=True,
    tags={"team": "ranking", "grain": "daily", "half_life_days": "14"},
)
