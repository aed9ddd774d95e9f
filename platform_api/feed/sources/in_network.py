from __future__ import annotations

import pandas as pd

from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.timelines import HomeTimeline


class InNetworkSource:
    """Recent posts of the accounts the viewer follows: the fan-out cache plus the pull for big authors."""

    name = "in_network"

    def __init__(self, cap: int = 500):
        self.cap = cap

    def fetch(self, query: FeedQuery) -> pd.DataFrame:
        rows = HomeTimeline(query.session, query.settings).candidates(query.viewer, limit=self.cap,
                                                                        followees=query.followees_reach())
        return candidate_frame([(*row, None) for row in rows], self.name)
