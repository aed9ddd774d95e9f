from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.tables import Status
from platform_api.timelines import HomeTimeline


class InNetworkSource:
    """Recent posts of the accounts the viewer follows: the fan-out cache plus the pull for big authors."""

    name = "in_network"

    def __init__(self, cap: int = 500):
        self.cap = cap

    def fetch(self, query: FeedQuery) -> pd.DataFrame:
        ids = HomeTimeline(query.session, query.settings).candidate_ids(query.viewer, limit=self.cap)
        if not ids:
            return pd.DataFrame(columns=list(F.CANDIDATE_COLUMNS))
        rows = query.session.execute(select(Status.id, Status.account_id, Status.created_at)
                                     .where(Status.id.in_(ids))).all()
        frame = pd.DataFrame(rows, columns=[F.STATUS_ID, F.AUTHOR_ID, F.CREATED_AT])
        frame[F.CREATED_AT] = frame[F.CREATED_AT].map(lambda d: d.timestamp()).astype(float)
        frame[F.SOURCE] = self.name
        frame[F.CONTEXT] = None
        return frame
