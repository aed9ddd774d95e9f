"""Chronological timelines (the ranked home feed lives in ``feed/``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import home_feed, relationships, statuses
from platform_api.tables import Account, MediaAttachment, Pin, Status
from platform_api.visibility import VisibleStatuses


def _page(query, *, max_id, since_id, min_id, limit):
    if max_id is not None:
        query = query.where(Status.id < max_id)
    if since_id is not None:
        query = query.where(Status.id > since_id)
    if min_id is not None:
        return query.where(Status.id > min_id).order_by(Status.id.asc()).limit(limit), True
    return query.order_by(Status.id.desc()).limit(limit), False


class HomeTimeline:
    """The viewer's home feed in reverse-chronological order: pushed entries (fan-out cache)
    merged with posts pulled at read time from followed accounts above the fan-out threshold."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def candidate_ids(self, viewer: Account, *, max_id: int | None = None, limit: int = 500) -> list[int]:
        pushed = home_feed.status_ids(self.session, account_id=viewer.id, max_id=max_id, limit=limit)
        big = self.session.scalars(select(Account.id).where(
            Account.id.in_(relationships.followee_ids(self.session, account_id=viewer.id)),
            Account.followers_count >= self.settings.fanout_threshold)).all()
        pulled = [s.id for s in statuses.recent_by_authors(self.session, author_ids=big, max_id=max_id, limit=limit)
                  if s.visibility != "direct"]
        return sorted(set(pushed) | set(pulled), reverse=True)[:limit]

    def __call__(self, viewer: Account, *, max_id=None, since_id=None, min_id=None, limit: int = 20) -> list[Status]:
        ids = self.candidate_ids(viewer, max_id=max_id, limit=max(limit * 4, 100))
        if since_id is not None:
            ids = [i for i in ids if i > since_id]
        if min_id is not None:
            ids = sorted(i for i in ids if i > min_id)[: limit * 4]
        found = statuses.many(self.session, status_ids=ids)
        visible = VisibleStatuses(self.session, viewer)([found[i] for i in ids if i in found])
        visible = [s for s in visible if not s.is_story]
        if min_id is not None:
            return sorted(visible, key=lambda s: s.id)[:limit][::-1]
        return visible[:limit]


class AccountStatuses:
    """An account's own posts (its profile), as the viewer may see them."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, viewer: Account | None, *, max_id=None, since_id=None, min_id=None,
                 limit=20, exclude_replies=False, only_media=False, pinned=False, exclude_reblogs=False):
        query = select(Status).where(Status.account_id == account.id, Status.deleted_at.is_(None),
                                     Status.is_story.is_(False))
        if exclude_replies:
            query = query.where(Status.in_reply_to_id.is_(None))
        if exclude_reblogs:
            query = query.where(Status.reblog_of_id.is_(None))
        if only_media:
            query = query.where(Status.id.in_(select(MediaAttachment.status_id)))
        if pinned:
            query = query.where(Status.id.in_(select(Pin.status_id).where(Pin.account_id == account.id)))
        query, ascending = _page(query, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit * 2)
        rows = VisibleStatuses(self.session, viewer)(self.session.scalars(query))
        if ascending:
            rows = rows[:limit][::-1]
        return rows[:limit]
