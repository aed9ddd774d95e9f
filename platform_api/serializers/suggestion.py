"""Mastodon Suggestion JSON (``source`` is the deprecated one-word form of ``sources``), plus
Agora's ``agora`` object: why it is suggested (a list of reasons, like the feed's), the model's score and which model chose it
(``null`` score and model when the friends-of-friends fallback did)."""

from __future__ import annotations

from agora.settings import Settings
from platform_api.serializers.account import serialize_account
from platform_api.services.suggest_accounts import Suggestion

#: Mastodon's mapping of the new ``sources`` values onto the old ``source``.
LEGACY_SOURCE = {"featured": "staff", "most_followed": "global", "most_interactions": "global",
                 "similar_to_recently_followed": "past_interactions", "friends_of_friends": "past_interactions"}


def serialize_suggestion(suggestion: Suggestion, settings: Settings) -> dict:
    return {"source": LEGACY_SOURCE[suggestion.sources[0]], "sources": list(suggestion.sources),
            "account": serialize_account(suggestion.account, settings),
            "agora": {"why": list(suggestion.why), "score": suggestion.score, "model": suggestion.model}}
