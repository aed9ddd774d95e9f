from __future__ import annotations

import numpy as np

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery


class AuthorDiversityRescorer:
    """Discounts an author's 2nd, 3rd… post so one author cannot fill the page: the k-th post
    (0-based, in score order) keeps ``(1 - floor) * decay**k + floor`` of its score (the shape
    of home-mixer's author-diversity discount)."""

    name = "author_diversity"

    def __init__(self, decay: float = 0.5, floor: float = 0.25):
        self.decay = decay
        self.floor = floor

    def rescore(self, query: FeedQuery, candidates):
        ordered = candidates.sort_values(F.SCORE, ascending=False)
        rank = ordered.groupby(F.AUTHOR_ID).cumcount().to_numpy()
        factor = (1 - self.floor) * np.power(self.decay, rank) + self.floor
        return ordered.assign(**{F.SCORE: ordered[F.SCORE].to_numpy() * factor})
