"""Mastodon Conversation JSON: ``accounts`` are the other participants."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import accounts, conversations
from platform_api.serializers.account import serialize_account
from platform_api.serializers.status import StatusPresenter
from platform_api.services.track_conversation import ConversationView
from platform_api.tables import Account


class ConversationPresenter:
    def __init__(self, session: Session, settings: Settings, viewer: Account):
        self.session = session
        self.settings = settings
        self.viewer = viewer

    def render(self, views: list[ConversationView]) -> list[dict]:
        members = conversations.participant_ids(self.session, conversation_ids=[v.row.conversation_id for v in views])
        people = accounts.many(self.session, account_ids={a for ids in members.values() for a in ids})
        last = StatusPresenter(self.session, self.settings, self.viewer.id).render([v.last_status for v in views])
        return [{
            "id": str(view.row.id),
            "unread": view.row.unread,
            "accounts": [serialize_account(people[a], self.settings)
                         for a in members.get(view.row.conversation_id, [])
                         if a != self.viewer.id and a in people and people[a].suspended_at is None],
            "last_status": status,
        } for view, status in zip(views, last)]

    def render_one(self, view: ConversationView) -> dict:
        return self.render([view])[0]
