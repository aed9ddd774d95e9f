"""The request-time transforms of the on-demand views, as numpy functions over whole batches.

One implementation, two callers: the on-demand views in ``post_views.py`` / ``topic_views.py``
(training through ``get_historical_features``, and any ``get_online_features`` call) wrap these
functions, and the ranker service (``serving/ranker/hydration.py``) calls them directly on its
cached rows, so training and serving cannot drift. Inputs are columns: one float array per
scalar feature, and per list feature (a topic vector, a post's bucket list) one NaN-padded
``(rows, width)`` matrix whose all-NaN rows mean "no value" (an entity the store does not know).

Listed in ``.feastignore``: it declares nothing, and is imported as ``features.on_demand``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: ``topic_match``'s per-topic vectors (viewer and author), in the order its formulas use them.
TOPIC_VECTORS = ("viewer_topic_impressions", "viewer_topic_likes", "viewer_topic_clicks", "viewer_topic_posts",
                 "viewer_topic_followee_posts", "author_topic_posts")
#: Every list input of ``topic_match``.
TOPIC_INPUTS = (*TOPIC_VECTORS, "post_topic_buckets")


def padded(rows: Sequence[Sequence[float] | None]) -> np.ndarray:
    """Lists (``None`` = no value) as a NaN-padded float matrix, one row per list."""
    width = max((len(r) for r in rows if r is not None), default=0)
    matrix = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        if row is not None and len(row):
            matrix[i, :len(row)] = row
    return matrix


def post_age(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A candidate's age (request input ``age_seconds``) in hours, and its log1p; negative ages
    (clock skew) read as 0."""
    hours = np.maximum(np.asarray(columns["age_seconds"], dtype=np.float64), 0.0) / 3600.0
    return {"age_hours": hours, "log_age_hours": np.log1p(hours)}


def topic_match(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per candidate: the viewer's impressions and likes on the post's topics, the like and click
    rates there (smoothed towards the viewer's own rates with the weight of 3 impressions) and the
    like rate's lift, the cosines of the viewer's like vector and own-post vector with the post's
    topics and with the author's topic mix, and the share of the viewer's followees' posts on the
    post's topics.

    The topic width is the longest vector in the batch; a vector of another length, or none, reads
    as all zeros, and a bucket id is taken modulo the width."""
    n = len(columns["post_topic_buckets"])
    lengths = {name: np.count_nonzero(~np.isnan(columns[name]), axis=1) for name in TOPIC_VECTORS}
    width = max(max((int(v.max()) for v in lengths.values() if v.size), default=0), 1)

    def dense(name: str) -> np.ndarray:
        """Rows of exactly ``width`` values (left-aligned, so no NaN among them); others zero."""
        if columns[name].shape[1] < width:
            return np.zeros((n, width))
        matrix, whole = columns[name][:, :width], lengths[name] == width
        return matrix if whole.all() else np.where(whole[:, None], matrix, 0.0)

    impressions, likes, clicks, own, followed, authored = (dense(name) for name in TOPIC_VECTORS)
    buckets = columns["post_topic_buckets"]
    rows, slots = np.nonzero(~np.isnan(buckets))
    onehot = np.zeros((n, width))
    onehot[rows, buckets[rows, slots].astype(np.int64) % width] = 1.0

    def dot(a, b):
        return np.einsum("ij,ij->i", a, b)

    topic_impressions, topic_likes = dot(impressions, onehot), dot(likes, onehot)
    impressions_total = impressions.sum(1)
    viewer_rate = (likes.sum(1) + 1.0) / (impressions_total + 4.0)
    rate = (topic_likes + 3.0 * viewer_rate) / (topic_impressions + 3.0)
    viewer_click_rate = (clicks.sum(1) + 1.0) / (impressions_total + 4.0)
    click_rate = (dot(clicks, onehot) + 3.0 * viewer_click_rate) / (topic_impressions + 3.0)
    followee_total = followed.sum(1)
    norms = {id(m): np.sqrt(dot(m, m)) for m in (likes, own, onehot, authored)}

    def cosine(a, b):
        norm = norms[id(a)] * norms[id(b)]
        return np.divide(dot(a, b), norm, out=np.zeros(n), where=norm > 0)

    return {"topic_impressions": topic_impressions, "topic_likes": topic_likes, "topic_like_rate": rate,
            "topic_like_lift": rate / viewer_rate, "topic_cosine": cosine(likes, onehot),
            "author_topic_cosine": cosine(likes, authored), "own_topic_cosine": cosine(own, onehot),
            "own_author_topic_cosine": cosine(own, authored), "topic_click_rate": click_rate,
            "followee_topic_share": np.divide(dot(followed, onehot), followee_total, out=np.zeros(n),
                                              where=followee_total > 0)}


#: ``post_quality``'s prior weight, in impressions: a post's rates so far are shrunk towards its
#: author's like rate as if it had been shown this many more times at that rate.
POST_PRIOR_IMPRESSIONS = 10.0


def post_quality(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A candidate's like and click rates so far (the live counters), each shrunk towards the
    author's smoothed like rate — the store keeps no per-author click rate, and the network
    learns each rate's scale. A post's engagement, not its author's, says how good it is; the
    prior only keeps a post with 2 impressions and 1 like from reading as a 50 % post. Missing
    counters read as zero, a missing author rate as a zero prior."""
    impressions, likes, clicks = (np.nan_to_num(np.asarray(columns[name], dtype=np.float64))
                                  for name in ("live_impressions", "live_likes", "live_clicks"))
    prior = POST_PRIOR_IMPRESSIONS * np.nan_to_num(np.asarray(columns["author_like_rate"], dtype=np.float64))
    shown = impressions + POST_PRIOR_IMPRESSIONS
    return {"post_like_rate_so_far": (likes + prior) / shown, "post_click_rate_so_far": (clicks + prior) / shown}


#: On-demand view name → its transform; the service computes every on-demand view of a feature
#: service through this table (a view missing here is refused when the service loads).
TRANSFORMS = {"post_age": post_age, "topic_match": topic_match, "post_quality": post_quality}


def scalars(values: Sequence[float | None]) -> np.ndarray:
    """A python-mode on-demand view's scalar input (``None`` = no value) as a float array with NaN."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def as_feast_output(columns: Mapping[str, np.ndarray]) -> dict[str, list]:
    """A transform's arrays as the plain lists a python-mode on-demand view returns."""
    return {name: values.tolist() for name, values in columns.items()}
