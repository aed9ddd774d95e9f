from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import not_found
from platform_api.repositories import notifications, outbox
from platform_api.tables import Account


class DismissNotification:
    """Delete one of the account's notifications (``notification.dismissed``)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, notification_id: int) -> None:
        notification = notifications.get(self.session, recipient_id=account.id, notification_id=notification_id)
        if notification is None:
            raise not_found()
        payload = {"notification_id": notification.id, "type": notification.type}
        outbox.record_event(self.session, EventType.NOTIFICATION_DISMISSED, actor_id=account.id,
                            status_id=notification.status_id, target_account_id=notification.from_account_id,
                            payload=payload)
        notifications.remove(self.session, recipient_id=account.id, notification_id=notification.id)


class ClearNotifications:
    """Delete all of the account's notifications (``notification.cleared`` with how many)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account) -> int:
        count = notifications.clear(self.session, recipient_id=account.id)
        outbox.record_event(self.session, EventType.NOTIFICATIONS_CLEARED, actor_id=account.id,
                            payload={"count": count})
        return count
