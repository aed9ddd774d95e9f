from __future__ import annotations

import pandas as pd
import structlog
from sqlalchemy import select

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.tables import Status

log = structlog.get_logger("agora.feed")
REASON = "similar to posts you liked"


class EmbeddingNeighboursSource:
    """Out-of-network posts nearest the viewer in the two-tower model's space (the retrieval
    service's FAISS search), best first. If the service fails, this source returns nothing and
    the failure is counted; the feed answers from its other sources."""

    name = "embedding_neighbours"

    def __init__(self, client, cap: int = 500):
        self.client = client
        self.cap = cap

    def fetch(self, query: FeedQuery) -> pd.DataFrame:
        try:
            ids, _, _ = self.client.neighbours(query.viewer.id)
        except Exception as exc:  # noqa: BLE001 - a failed source is an empty source
            query.failed_sources.append(self.name)
            log.warning("feed_source_failed", source=self.name, viewer=query.viewer.id, reason=str(exc))
            return candidate_frame([], self.name)
        if not ids:
            return candidate_frame([], self.name)
        in_network = query.followee_ids() | {query.viewer.id}
        rows = query.session.execute(
            select(Status.id, Status.account_id, Status.created_at)
            .where(Status.id.in_(ids), Status.account_id.not_in(in_network), Status.deleted_at.is_(None),
                   Status.visibility == "public", Status.limited.is_(False), Status.reblog_of_id.is_(None))).all()
        frame = pd.DataFrame(rows, columns=[F.STATUS_ID, F.AUTHOR_ID, F.CREATED_AT])
        rank = pd.Series(range(len(ids)), index=ids)
        frame = frame.assign(rank=frame[F.STATUS_ID].map(rank)).sort_values("rank").head(self.cap)
        return candidate_frame([(s, a, c, REASON) for s, a, c in
                                zip(frame[F.STATUS_ID], frame[F.AUTHOR_ID], frame[F.CREATED_AT])], self.name)
