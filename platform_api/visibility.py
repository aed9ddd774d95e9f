"""Who may see a status. Every read path (timelines, context, search, notifications,
streaming, account statuses) filters through ``VisibleStatuses``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.repositories import accounts, relationships, statuses
from platform_api.tables import Account, Status


class VisibleStatuses:
    """Filter statuses down to those ``viewer`` may see (``None`` = logged out)."""

    def __init__(self, session: Session, viewer: Account | None):
        self.session = session
        self.viewer = viewer
        self._hidden: set[int] | None = None

    @property
    def hidden_authors(self) -> set[int]:
        if self._hidden is None:
            self._hidden = (relationships.hidden_account_ids(self.session, viewer_id=self.viewer.id)
                            if self.viewer else set())
        return self._hidden

    def __call__(self, items: Iterable[Status]) -> list[Status]:
        items = [s for s in items if s is not None and s.deleted_at is None]
        if not items:
            return []
        now = utcnow()
        author_ids = {s.account_id for s in items}
        authors = accounts.many(self.session, account_ids=author_ids)
        viewer_id = self.viewer.id if self.viewer else None
        followed = (relationships.following_among(self.session, account_id=viewer_id, target_ids=author_ids)
                    if viewer_id else set())
        restricted = [s.id for s in items if s.visibility in ("private", "direct")]
        mentioned = statuses.mentions_for(self.session, status_ids=restricted) if restricted else {}
        kept = []
        for status in items:
            author = authors.get(status.account_id)
            if author is None or author.suspended_at is not None:
                continue
            if status.account_id in self.hidden_authors:
                continue
            if status.expires_at is not None and status.expires_at <= now:
                continue
            if status.account_id == viewer_id:
                kept.append(status)
                continue
            if status.moderation_state in ("pending_review", "rejected", "removed"):
                continue
            if status.visibility == "private" and not (status.account_id in followed
                                                       or viewer_id in mentioned.get(status.id, [])):
                continue
            if status.visibility == "direct" and viewer_id not in mentioned.get(status.id, []):
                continue
            kept.append(status)
        return kept

    def one(self, status: Status | None) -> Status | None:
        kept = self([status]) if status is not None else []
        return kept[0] if kept else None
