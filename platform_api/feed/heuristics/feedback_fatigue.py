from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import func, select

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.ids import utcnow
from platform_api.tables import FeedbackSignal


class FeedbackFatigueRescorer:
    """After a viewer hides an author's post, that author's posts are downranked, recovering
    linearly over ``days``: the multiplier is ``floor`` right after the hide and 1 after ``days``."""

    name = "feedback_fatigue"

    def __init__(self, days: float = 14, floor: float = 0.2):
        self.days = days
        self.floor = floor

    def rescore(self, query: FeedQuery, candidates):
        since = utcnow() - timedelta(days=self.days)
        rows = query.session.execute(
            select(FeedbackSignal.author_id, func.max(FeedbackSignal.created_at))
            .where(FeedbackSignal.account_id == query.viewer.id, FeedbackSignal.created_at >= since)
            .group_by(FeedbackSignal.author_id)).all()
        if not rows:
            return candidates
        age_days = {author: (query.now - at.timestamp()) / 86400 for author, at in rows}
        ages = candidates[F.AUTHOR_ID].map(age_days).to_numpy(dtype=float)  # NaN: never hidden
        recovery = np.clip(ages / self.days, 0, 1)
        factor = np.where(np.isnan(ages), 1.0, self.floor + (1 - self.floor) * recovery)
        return candidates.assign(**{F.SCORE: candidates[F.SCORE].to_numpy() * factor})
