"""Mastodon Notification JSON for a page, accounts and statuses loaded in a few queries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import accounts, statuses
from platform_api.serializers.account import iso_datetime, serialize_account
from platform_api.serializers.status import StatusPresenter
from platform_api.tables import Account, Notification


class NotificationPresenter:
    def __init__(self, session: Session, settings: Settings, viewer: Account):
        self.session = session
        self.settings = settings
        self.viewer = viewer

    def render(self, items: list[Notification]) -> list[dict]:
        senders = accounts.many(self.session, account_ids={n.from_account_id for n in items})
        found = statuses.many(self.session, status_ids=[n.status_id for n in items if n.status_id is not None])
        rendered = StatusPresenter(self.session, self.settings, self.viewer.id).render(list(found.values()))
        by_id = {int(body["id"]): body for body in rendered}
        return [{
            "id": str(n.id),
            "type": n.type,
            "group_key": f"ungrouped-{n.id}",
            "created_at": iso_datetime(n.created_at),
            "account": serialize_account(senders[n.from_account_id], self.settings),
            **({"status": by_id[n.status_id]} if n.status_id in by_id else {}),
        } for n in items if n.from_account_id in senders]

    def render_one(self, item: Notification) -> dict:
        return self.render([item])[0]
