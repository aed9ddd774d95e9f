from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.repositories import accounts, outbox, suggestions
from platform_api.tables import Account

FRIENDS_OF_FRIENDS = "friends_of_friends"
MOST_FOLLOWED = "most_followed"


@dataclass(frozen=True)
class Suggestion:
    account: Account
    sources: tuple[str, ...]


def adamic_adar_ranking(paths: list[tuple]) -> list[int]:
    """Candidates of ``(candidate_id, candidate_followers, via_degree)`` paths, best first: each
    path weighs ``1 / log(degree of the account in between)`` (Adamic-Adar; a degree below 2
    counts as 2), ties broken by followers, then id."""
    if not paths:
        return []
    candidate = np.fromiter((p[0] for p in paths), dtype=np.int64, count=len(paths))
    followers = np.fromiter((p[1] for p in paths), dtype=np.float64, count=len(paths))
    degree = np.fromiter((p[2] for p in paths), dtype=np.float64, count=len(paths))
    ids, first, inverse = np.unique(candidate, return_index=True, return_inverse=True)
    scores = np.bincount(inverse, weights=1.0 / np.log(np.maximum(degree, 2.0)))
    order = np.lexsort((ids, -followers[first], -scores))
    return ids[order].tolist()


class SuggestAccounts:
    """Whom the viewer might follow, until the trained suggestion model serves: friends of
    friends ranked by Adamic-Adar, then the most followed accounts. ``repositories.suggestions``
    keeps out the viewer and suspended, silenced, followed, requested, blocked, muted and
    dismissed accounts."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account, *, limit: int = 40) -> list[Suggestion]:
        ranked = adamic_adar_ranking(suggestions.friends_of_friends_paths(self.session, viewer_id=viewer.id))[:limit]
        found = accounts.many(self.session, account_ids=ranked)
        out = [Suggestion(found[i], (FRIENDS_OF_FRIENDS,)) for i in ranked if i in found]
        if len(out) < limit:
            popular = suggestions.most_followed(self.session, viewer_id=viewer.id, exclude_ids=ranked,
                                                limit=limit - len(out))
            out.extend(Suggestion(a, (MOST_FOLLOWED,)) for a in popular)
        return out


class DismissSuggestion:
    """Never suggest ``target`` to ``account`` again (``suggestion.dismissed``: a negative label
    for the suggestion model)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, target: Account) -> None:
        if suggestions.add_dismissal(self.session, account_id=account.id, target_account_id=target.id):
            outbox.record_event(self.session, EventType.SUGGESTION_DISMISSED, actor_id=account.id,
                                target_account_id=target.id)
