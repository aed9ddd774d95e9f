"""The story tray: live stories of the accounts the viewer follows, and the viewer's own."""

from __future__ import annotations

from sqlalchemy.orm import Session

from platform_api.read_filters import VisibleWithOriginals
from platform_api.repositories import relationships, stories
from platform_api.tables import Account, Status


class StoryTray:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account, *, limit: int = 100) -> list[Status]:
        authors = set(relationships.followee_ids(self.session, account_id=viewer.id)) | {viewer.id}
        live = stories.live_by_authors(self.session, author_ids=authors, limit=limit)
        return VisibleWithOriginals(self.session, viewer)(live)
