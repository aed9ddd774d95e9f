from __future__ import annotations

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.repositories import accounts

SOURCE_REASONS = {
    "in_network": "you follow @{author}",
}


class ReasonWriter:
    """Writes each item's ``why``: the reasons a person reads, from its source."""

    name = "why"

    def explain(self, query: FeedQuery, selected):
        names = {a.id: a.username for a in accounts.many(query.session,
                                                         account_ids=selected[F.AUTHOR_ID].tolist()).values()}
        reasons = []
        for source, author_id, context in zip(selected[F.SOURCE], selected[F.AUTHOR_ID], selected[F.CONTEXT]):
            if author_id == query.viewer.id:
                reasons.append(["your post"])
            elif context:
                reasons.append([context])
            else:
                reasons.append([SOURCE_REASONS.get(source, source).format(author=names.get(author_id, "?"))])
        selected = selected.copy()
        selected[F.WHY] = reasons
        return selected
