from __future__ import annotations

import pandas as pd

from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.timelines import HomeTimeline


class InNetworkSource:
    """Recent posts of the accounts the viewer follows: the fan-out cache plus the pull for big
    authors. The rows it reads are what the visibility filter reads too, so they are kept on the
    query (``status_rows``) instead of being read twice."""

    name = "in_network"

    def __init__(self, cap: int = 500):
        self.cap = cap

    def fetch(self, query: FeedQuery) -> pd.DataFrame:
        rows = HomeTimeline(query.session, query.settings).candidate_rows(query.viewer, limit=self.cap,
                                                                            followees=query.followees_reach())
        query.status_rows.update((row[0], row) for row in rows)
        return candidate_frame([(row[0], row[1], row[-1], None) for row in rows], self.name)
