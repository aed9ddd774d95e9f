from __future__ import annotations

import numpy as np

from platform_api.feed import features as F
from platform_api.feed.query import FeedQuery
from platform_api.feed.usernames import KnownUsernames

IN_NETWORK_REASON = "you follow @"     # + the author's username


class ReasonWriter:
    """Writes each item's ``why``: the reasons a person reads — the viewer's own post, the
    source's own reason for it, "you follow @author" for in-network posts, else the source's name."""

    name = "why"

    def __init__(self, usernames: KnownUsernames | None = None):
        self.usernames = usernames or KnownUsernames()

    def explain(self, query: FeedQuery, selected):
        names = self.usernames(query.session, selected[F.AUTHOR_ID].tolist())
        author = selected[F.AUTHOR_ID]
        source = selected[F.SOURCE].to_numpy(dtype=object)
        follow = IN_NETWORK_REASON + author.map(names).fillna("?").to_numpy(dtype=object)
        from_source = np.where(source == "in_network", follow, source)
        context = selected[F.CONTEXT]
        reason = np.where((author == query.viewer.id).to_numpy(), "your post",
                          np.where(context.notna().to_numpy() & (context != "").to_numpy(),
                                   context.to_numpy(dtype=object), from_source))
        return selected.assign(**{F.WHY: [[r] for r in reason.tolist()]})
