from __future__ import annotations

from sqlalchemy.orm import Session

from platform_api.repositories import relationships
from platform_api.tables import Notification


class Notify:
    """Create a notification unless the recipient is the actor or hides the actor."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, *, recipient_id: int, from_account_id: int, type: str,
                 status_id: int | None = None) -> Notification | None:
        if recipient_id == from_account_id:
            return None
        if from_account_id in relationships.hidden_account_ids(self.session, viewer_id=recipient_id):
            return None
        notification = Notification(account_id=recipient_id, from_account_id=from_account_id,
                                    type=type, status_id=status_id)
        self.session.add(notification)
        return notification
