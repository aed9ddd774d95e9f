"""Read-path rules layered on ``VisibleStatuses`` (which every read path still goes through)
and on ``reach.PublicReach`` (silenced authors stay off public surfaces):

- ``VisibleWithOriginals``: a reblog is visible only if the post it carries is visible too.
- ``LimitedReach``: posts moderation marked ``limited`` reach only the author's followers;
  public timelines, hashtags, search and trends show them to nobody else.
- ``RepliesToVisible``: a reply is shown outside its thread only if its parent is visible."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from platform_api.repositories import relationships, statuses
from platform_api.tables import Account, Status
from platform_api.visibility import VisibleStatuses


class VisibleWithOriginals:
    def __init__(self, session: Session, viewer: Account | None):
        self.session = session
        self.visible = VisibleStatuses(session, viewer)

    def __call__(self, items: Iterable[Status]) -> list[Status]:
        kept = self.visible(items)
        original_ids = [s.reblog_of_id for s in kept if s.reblog_of_id]
        if not original_ids:
            return kept
        originals = statuses.many(self.session, status_ids=original_ids)
        ok = {s.id for s in self.visible(originals.values())}
        return [s for s in kept if s.reblog_of_id is None or s.reblog_of_id in ok]

    def one(self, status: Status | None) -> Status | None:
        kept = self([status]) if status is not None else []
        return kept[0] if kept else None


class LimitedReach:
    def __init__(self, session: Session, viewer: Account | None):
        self.session = session
        self.viewer = viewer

    def __call__(self, items: list[Status]) -> list[Status]:
        limited = {s.account_id for s in items if s.limited}
        if not limited:
            return list(items)
        allowed: set[int] = set()
        if self.viewer is not None:
            allowed = relationships.following_among(self.session, account_id=self.viewer.id, target_ids=limited)
            allowed.add(self.viewer.id)
        return [s for s in items if not s.limited or s.account_id in allowed]


class RepliesToVisible:
    def __init__(self, session: Session, viewer: Account | None):
        self.session = session
        self.visible = VisibleStatuses(session, viewer)

    def __call__(self, items: list[Status]) -> list[Status]:
        parent_ids = [s.in_reply_to_id for s in items if s.in_reply_to_id]
        if not parent_ids:
            return list(items)
        parents = statuses.many(self.session, status_ids=parent_ids)
        ok = {s.id for s in self.visible(parents.values())}
        return [s for s in items if s.in_reply_to_id is None or s.in_reply_to_id in ok]
