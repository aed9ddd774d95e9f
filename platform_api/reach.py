"""Public reach: what moderation keeps off public surfaces (public and tag timelines, trends,
search, directory, suggestions) without hiding it from the people who chose to see it.

A silenced (Mastodon's "limited") account keeps its followers: they still see its posts in
their home feeds and on its profile. Strangers do not meet it on public surfaces. Suspended
accounts are gone everywhere (``VisibleStatuses``); this module adds the silenced ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.repositories import accounts, relationships
from platform_api.tables import Account, Status


def publicly_reachable_account_ids_query():
    """Accounts whose posts may appear on a public surface for anyone: neither suspended nor silenced."""
    return select(Account.id).where(Account.suspended_at.is_(None), Account.silenced_at.is_(None))


class PublicReach:
    """Drop statuses of silenced authors from a public surface, unless ``viewer`` is the author
    or follows them. Apply after ``VisibleStatuses``."""

    def __init__(self, session: Session, viewer: Account | None):
        self.session = session
        self.viewer = viewer

    def __call__(self, items: Iterable[Status]) -> list[Status]:
        items = list(items)
        authors = accounts.many(self.session, account_ids={s.account_id for s in items})
        silenced = {a.id for a in authors.values() if a.silenced_at is not None}
        if not silenced:
            return items
        allowed = set()
        if self.viewer is not None:
            allowed = relationships.following_among(self.session, account_id=self.viewer.id, target_ids=silenced)
            allowed.add(self.viewer.id)
        return [s for s in items if s.account_id not in silenced or s.account_id in allowed]
