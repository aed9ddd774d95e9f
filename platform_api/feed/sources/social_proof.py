from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import select

from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.feed.usernames import KnownUsernames
from platform_api.ids import utcnow
from platform_api.tables import Favourite, Status


def liked_by_phrase(usernames: list[str], total: int) -> str:
    shown = [f"@{u}" for u in usernames[:2]]
    others = total - len(shown)
    if others > 0:
        return f"liked by {', '.join(shown)} and {others} other{'s' if others > 1 else ''} you follow"
    return f"liked by {' and '.join(shown)}"


class SocialProofSource:
    """Out-of-network posts that accounts the viewer follows liked recently, most likers first."""

    name = "social_proof"

    def __init__(self, cap: int = 300, days: int = 3, usernames: KnownUsernames | None = None):
        self.cap = cap
        self.days = days
        self.usernames = usernames or KnownUsernames()

    def fetch(self, query: FeedQuery):
        followees = query.followee_ids()
        if not followees:
            return candidate_frame([], self.name)
        since = utcnow() - timedelta(days=self.days)
        # The followees' recent likes drive the join as a bounded subquery, and ``reblog_of_id IS
        # NULL`` is checked here, not in SQL: offered that index, SQLite walks every status and
        # probes each followee's likes (seconds on a small world, unbounded on a big one).
        liked = (select(Favourite.id, Favourite.status_id, Favourite.account_id)
                 .where(Favourite.account_id.in_(followees), Favourite.created_at >= since)
                 .order_by(Favourite.id.desc()).limit(self.cap * 10).subquery())
        rows = query.session.execute(
            select(liked.c.status_id, liked.c.account_id, Status.account_id, Status.created_at, Status.reblog_of_id)
            .join(Status, Status.id == liked.c.status_id)
            .where(Status.visibility == "public", Status.deleted_at.is_(None), Status.limited.is_(False),
                   Status.account_id != query.viewer.id, Status.account_id.not_in(followees))
            .order_by(liked.c.id.desc())).all()
        rows = [r for r in rows if r[4] is None][: self.cap * 5]
        if not rows:
            return candidate_frame([], self.name)
        status_ids, likers, authors, created, _ = (np.asarray(c) for c in zip(*rows))
        unique, first, inverse, total = np.unique(status_ids, return_index=True, return_inverse=True,
                                                  return_counts=True)
        top = np.lexsort((first, -total))[: self.cap]             # most likers, then most recent like
        by_status = np.argsort(inverse, kind="stable")            # likes grouped by status, newest first
        start = np.cumsum(total) - total
        first_liker = likers[by_status[start]]
        second_liker = np.where(total > 1, likers[by_status[np.minimum(start + 1, len(rows) - 1)]], -1)
        names = self.usernames(query.session, set(first_liker[top].tolist()) | set(second_liker[top].tolist()))
        contexts = [liked_by_phrase([names[u] for u in pair if u in names], n) for pair, n in
                    zip(zip(first_liker[top].tolist(), second_liker[top].tolist()), total[top].tolist())]
        return candidate_frame(list(zip(unique[top].tolist(), authors[first[top]].tolist(),
                                        created[first[top]].tolist(), contexts)), self.name)
