from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.repositories import outbox, status_marks
from platform_api.tables import Account, Bookmark, Status


class BookmarkStatus:
    """Bookmark a status once (idempotent), with the ``status.bookmarked`` event."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status) -> Bookmark:
        existing = status_marks.find_bookmark(self.session, account_id=account.id, status_id=status.id)
        if existing is not None:
            return existing
        bookmark = Bookmark(account_id=account.id, status_id=status.id)
        self.session.add(bookmark)
        outbox.record_event(self.session, EventType.BOOKMARKED, actor_id=account.id, status_id=status.id,
                            author_id=status.account_id)
        return bookmark


class UnbookmarkStatus:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status) -> None:
        if status_marks.remove_bookmark(self.session, account_id=account.id, status_id=status.id):
            outbox.record_event(self.session, EventType.UNBOOKMARKED, actor_id=account.id, status_id=status.id,
                                author_id=status.account_id)
