from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from platform_api.feed.query import FeedQuery
from platform_api.feed.sources.frames import candidate_frame
from platform_api.ids import utcnow
from platform_api.repositories import accounts, relationships
from platform_api.tables import Favourite, Status


def liked_by_phrase(usernames: list[str], total: int) -> str:
    shown = [f"@{u}" for u in usernames[:2]]
    others = total - len(shown)
    if others > 0:
        return f"liked by {', '.join(shown)} and {others} other{'s' if others > 1 else ''} you follow"
    return f"liked by {' and '.join(shown)}"


class SocialProofSource:
    """Out-of-network posts that accounts the viewer follows liked recently."""

    name = "social_proof"

    def __init__(self, cap: int = 300, days: int = 3):
        self.cap = cap
        self.days = days

    def fetch(self, query: FeedQuery):
        followees = set(relationships.followee_ids(query.session, account_id=query.viewer.id))
        if not followees:
            return candidate_frame([], self.name)
        since = utcnow() - timedelta(days=self.days)
        rows = query.session.execute(
            select(Favourite.status_id, Favourite.account_id, Status.account_id, Status.created_at)
            .join(Status, Status.id == Favourite.status_id)
            .where(Favourite.account_id.in_(followees), Favourite.created_at >= since,
                   Status.visibility == "public", Status.deleted_at.is_(None), Status.limited.is_(False),
                   Status.reblog_of_id.is_(None), Status.account_id != query.viewer.id,
                   Status.account_id.not_in(followees))
            .order_by(Favourite.id.desc()).limit(self.cap * 5)).all()
        likers: dict[int, list[int]] = defaultdict(list)
        meta = {}
        for status_id, liker, author, created in rows:
            likers[status_id].append(liker)
            meta[status_id] = (author, created)
        top = sorted(likers, key=lambda s: len(likers[s]), reverse=True)[: self.cap]
        names = {a.id: a.username for a in accounts.many(
            query.session, account_ids={u for s in top for u in likers[s][:2]}).values()}
        return candidate_frame([(s, meta[s][0], meta[s][1],
                                 liked_by_phrase([names[u] for u in likers[s][:2] if u in names], len(likers[s])))
                                for s in top], self.name)
