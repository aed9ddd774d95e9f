"""Feature services: the versioned contract between the feature store and a model.

A model records the service it was trained on; change a service by adding ``_v2``,
never by editing ``_v1`` under a deployed model.
"""

from feast import FeatureService

from account_views import account_activity, author_engagement
from affinity_views import viewer_author_affinity
from post_views import post_age, post_counters, post_engagement, post_quality
from topic_views import topic_match

#: The home-feed ranker: request rows carry viewer_id, author_id, status_id and age_seconds.
ranker_v1 = FeatureService(
    name="ranker_v1",
    features=[
        # The viewer's own activity: account_activity is keyed by account_id.
        account_activity.with_join_key_map({"account_id": "viewer_id"}),
        author_engagement,
        post_engagement,
        viewer_author_affinity,
        post_age,
    ],
    description="Home-feed ranker features, v1",
    tags={"model": "ranker"},
)

#: v2 (multi-task ranker): v1 plus counts so far (exact in training, pushed live in serving) and
#: the viewer × candidate topic match. The topic vectors themselves are not model inputs: Feast
#: fetches them for ``topic_match``, which reduces them to six numbers per candidate.
_RANKER_V2_VIEWS = [
    account_activity.with_join_key_map({"account_id": "viewer_id"}),
    author_engagement,
    post_engagement,
    post_counters,
    viewer_author_affinity,
    post_age,
    topic_match,
]
ranker_v2 = FeatureService(
    name="ranker_v2",
    features=_RANKER_V2_VIEWS,
    description="Home-feed ranker features, v2 (multi-task ranker)",
    tags={"model": "ranker"},
)

#: v3: v2 plus the candidate's like and click rates so far (``post_quality``), the most direct
#: estimate of a post's quality (docs/models.md).
ranker_v3 = FeatureService(
    name="ranker_v3",
    features=[*_RANKER_V2_VIEWS, post_quality],
    description="Home-feed ranker features, v3 (v2 + quality so far)",
    tags={"model": "ranker"},
)
