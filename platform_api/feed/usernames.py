"""Usernames for the feed's reasons ("you follow @ana", "liked by @bo"), kept per process."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy.orm import Session

from platform_api.repositories import accounts


class KnownUsernames:
    """Account id → username, each read from the database once: a username never changes after
    registration (as in Mastodon), so a ranking asks only for authors and likers it has not met
    instead of all ~400 of its items' every time. Past ``max_accounts`` it starts over."""

    def __init__(self, max_accounts: int = 200_000):
        self.max_accounts = max_accounts
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()

    def __call__(self, session: Session, account_ids: Iterable[int]) -> dict[int, str]:
        wanted = set(account_ids)
        missing = wanted - self._names.keys()
        if missing:
            found = accounts.usernames(session, account_ids=missing)
            with self._lock:
                if len(self._names) + len(found) > self.max_accounts:
                    self._names = {}
                self._names.update(found)
        names = self._names
        return {i: names[i] for i in wanted if i in names}
