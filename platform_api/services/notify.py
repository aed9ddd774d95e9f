from __future__ import annotations

from sqlalchemy.orm import Session

from platform_api.repositories import notifications
from platform_api.streaming.after_commit import after_commit
from platform_api.streaming.deliveries import DeliverNotification, publish_after_commit
from platform_api.tables import Notification


class Notify:
    """Create a notification unless the recipient is the actor or hides the actor; once the
    transaction commits it is pushed to the recipient's open streams."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, *, recipient_id: int, from_account_id: int, type: str,
                 status_id: int | None = None) -> Notification | None:
        if recipient_id == from_account_id:
            return None
        if from_account_id in notifications.hidden_sender_ids(self.session, recipient_id=recipient_id):
            return None
        notification = Notification(account_id=recipient_id, from_account_id=from_account_id,
                                    type=type, status_id=status_id)
        self.session.add(notification)
        after_commit(self.session, _stream, notification)
        return notification


def _stream(notification: Notification) -> None:
    publish_after_commit(DeliverNotification, notification.id)
