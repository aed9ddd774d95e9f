"""Stream payloads that are not plain statuses, rendered by the same presenters as the REST
endpoints: a notification for its recipient, a conversation for one participant."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import accounts, audiences
from platform_api.serializers.conversation import ConversationPresenter
from platform_api.serializers.notification import NotificationPresenter
from platform_api.services.track_conversation import ListConversations
from platform_api.tables import Notification, Status


def notification_payload(session: Session, settings: Settings, notification: Notification) -> dict | None:
    recipient = accounts.get(session, account_id=notification.account_id)
    rendered = NotificationPresenter(session, settings, recipient).render([notification]) if recipient else []
    return rendered[0] if rendered else None


def conversation_payload(session: Session, settings: Settings, status: Status, recipient_id: int) -> dict | None:
    recipient = accounts.get(session, account_id=recipient_id)
    row = audiences.conversation_row(session, conversation_id=status.conversation_id or status.id,
                                     account_id=recipient_id)
    if recipient is None or row is None:
        return None
    views = ListConversations(session).views(recipient, [row])
    return ConversationPresenter(session, settings, recipient).render_one(views[0]) if views else None
