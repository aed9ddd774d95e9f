from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from prometheus_client import Counter
from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.repositories import accounts, outbox, suggestions
from platform_api.tables import Account
from serving.suggest.client import ServedSuggestion, SuggestClient, SuggestUnavailable

FRIENDS_OF_FRIENDS = "friends_of_friends"
SIMILAR_TO_RECENTLY_FOLLOWED = "similar_to_recently_followed"
MOST_FOLLOWED = "most_followed"
MOST_INTERACTIONS = "most_interactions"
#: How many of the latest follows seed "similar to recently followed".
RECENT_FOLLOWS = 5

SUGGESTION_REQUESTS = Counter("agora_suggestion_requests_total", "Follow suggestion lists served", ["ranking"])
SUGGESTION_FALLBACKS = Counter("agora_suggestion_fallbacks_total",
                               "Follow suggestion lists that fell back to friends of friends", ["reason"])


@dataclass(frozen=True)
class Suggestion:
    account: Account
    sources: tuple[str, ...]
    why: tuple[str, ...] = ()
    score: float | None = None
    model: str | None = None        # "follow-suggest/<version>"; None when the fallback chose it
    similar_to: int | None = None


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
    """Whom the viewer might follow: the ``follow-suggest`` model service's candidates and
    ranking when it answers within its budget, else friends of friends ranked by Adamic-Adar
    then the most followed accounts (counted in ``agora_suggestion_fallbacks_total``). Either
    way ``repositories.suggestions`` keeps out the viewer and suspended, silenced, followed,
    requested, blocked (both ways), muted and dismissed accounts, and every suggestion says why."""

    def __init__(self, session: Session, client: SuggestClient | None = None):
        self.session = session
        self.client = client

    def __call__(self, viewer: Account, *, limit: int = 40) -> list[Suggestion]:
        found = self._from_model(viewer, limit) if self.client is not None else []
        SUGGESTION_REQUESTS.labels("model" if found else "fallback").inc()
        if len(found) < limit:
            found += self._friends_of_friends(viewer, limit - len(found), exclude=[s.account.id for s in found])
        return self._explain(viewer, found)

    def _from_model(self, viewer: Account, limit: int) -> list[Suggestion]:
        following = suggestions.following_ids(self.session, viewer_id=viewer.id)
        try:
            # room for what the database filters out since the model's snapshot
            served, model = self.client.suggest(viewer.id, following, following[-RECENT_FOLLOWS:], limit=2 * limit + 20)
        except SuggestUnavailable:
            SUGGESTION_FALLBACKS.labels("unavailable").inc()
            return []
        allowed = suggestions.suggestible_among(self.session, viewer_id=viewer.id,
                                                account_ids=[s.account_id for s in served])
        kept: list[ServedSuggestion] = [s for s in served if s.account_id in allowed][:limit]
        if not kept:
            SUGGESTION_FALLBACKS.labels("empty").inc()
        found = accounts.many(self.session, account_ids=[s.account_id for s in kept])
        return [Suggestion(found[s.account_id], s.sources, score=s.score, model=model, similar_to=s.similar_to)
                for s in kept if s.account_id in found]

    def _friends_of_friends(self, viewer: Account, limit: int, exclude: list[int]) -> list[Suggestion]:
        paths = suggestions.friends_of_friends_paths(self.session, viewer_id=viewer.id)
        excluded = set(exclude)
        ranked = [i for i in adamic_adar_ranking(paths) if i not in excluded][:limit]
        found = accounts.many(self.session, account_ids=ranked)
        out = [Suggestion(found[i], (FRIENDS_OF_FRIENDS,)) for i in ranked if i in found]
        if len(out) < limit:
            popular = suggestions.most_followed(self.session, viewer_id=viewer.id, exclude_ids=exclude + ranked,
                                                limit=limit - len(out))
            out.extend(Suggestion(a, (MOST_FOLLOWED,)) for a in popular)
        return out

    def _explain(self, viewer: Account, found: list[Suggestion]) -> list[Suggestion]:
        ids = [s.account.id for s in found]
        via = suggestions.followed_by_followed(self.session, viewer_id=viewer.id, account_ids=ids)
        followers = suggestions.followers_among(self.session, viewer_id=viewer.id, account_ids=ids)
        similar = accounts.many(self.session, account_ids=[s.similar_to for s in found if s.similar_to])
        return [replace(s, why=_reasons(s, via.get(s.account.id, []), s.account.id in followers,
                                        similar.get(s.similar_to))) for s in found]


def _reasons(suggestion: Suggestion, followed_by: list[str], follows_you: bool,
             similar_to: Account | None) -> tuple[str, ...]:
    """Human reasons, the most personal first (the same shape as the feed's ``agora.why``)."""
    reasons = []
    if followed_by:
        names = [f"@{name}" for name in followed_by[:2]]
        others = len(followed_by) - 2
        reasons.append(f"followed by {names[0]}, whom you follow" if len(followed_by) == 1 else
                       f"followed by {names[0]} and {names[1]}, whom you follow" if len(followed_by) == 2 else
                       f"followed by {names[0]}, {names[1]} and {others} other{'s' if others > 1 else ''} you follow")
    if follows_you:
        reasons.append("follows you")
    if similar_to is not None and SIMILAR_TO_RECENTLY_FOLLOWED in suggestion.sources:
        reasons.append(f"similar to @{similar_to.username}, whom you followed recently")
    if MOST_INTERACTIONS in suggestion.sources and not follows_you:
        reasons.append("you interact with them")
    if not reasons:
        reasons.append("popular in your communities" if suggestion.model is not None else "popular on Agora")
    return tuple(reasons)


class DismissSuggestion:
    """Never suggest ``target`` to ``account`` again (``suggestion.dismissed``: a negative label
    for the suggestion model)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, target: Account) -> None:
        if suggestions.add_dismissal(self.session, account_id=account.id, target_account_id=target.id):
            outbox.record_event(self.session, EventType.SUGGESTION_DISMISSED, actor_id=account.id,
                                target_account_id=target.id)
