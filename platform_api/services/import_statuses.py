from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.home_feed_store import home_feed_store
from platform_api.ids import snowflake_id
from platform_api.repositories import statuses
from platform_api.services.post_status import status_created_payload
from platform_api.tables import Account, Follow, OutboxEvent, Status, StatusTag
from platform_api.text import render_status


@dataclass(frozen=True)
class ImportedStatus:
    account_id: int
    text: str
    created_at: datetime
    language: str | None = "en"


class ImportStatuses:
    """Bulk-create public top-level posts (an archive import; the synthetic world): rendered
    content, tags, counters, ``status.created`` events and hybrid fan-out, in a few statements
    instead of a dozen per post. Posts with mentions, replies or media go through ``PostStatus``."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, items: list[ImportedStatus]) -> list[int]:
        if not items:
            return []
        rendered = [render_status(item.text, self.settings.api_url) for item in items]
        tag_ids = statuses.tag_ids(self.session, names={t for r in rendered for t in r.tags})
        ids = [snowflake_id(item.created_at) for item in items]
        self.session.execute(insert(Status), [
            {"id": sid, "account_id": item.account_id, "text": item.text, "content": r.html, "visibility": "public",
             "language": item.language, "created_at": item.created_at, "conversation_id": sid}
            for sid, item, r in zip(ids, items, rendered)])
        tag_rows = [{"status_id": sid, "tag_id": tag_ids[t]} for sid, r in zip(ids, rendered) for t in r.tags]
        if tag_rows:
            self.session.execute(insert(StatusTag), tag_rows)
        self.session.execute(insert(OutboxEvent), [
            {"event_type": str(EventType.STATUS_CREATED), "actor_id": item.account_id, "status_id": sid,
             "author_id": item.account_id, "occurred_at": item.created_at,
             "payload": json.dumps(status_created_payload(tags=r.tags, visibility="public", reply=False,
                                                          text=item.text, language=item.language),
                                   separators=(",", ":"))}
            for sid, item, r in zip(ids, items, rendered)])
        self._recount({item.account_id for item in items})
        self._fan_out(ids, items)
        return ids

    def _recount(self, author_ids: set[int]) -> None:
        rows = self.session.execute(select(Status.account_id, func.count(), func.max(Status.created_at)).where(
            Status.account_id.in_(author_ids), Status.deleted_at.is_(None)).group_by(Status.account_id)).all()
        self.session.execute(update(Account), [{"id": a, "statuses_count": n, "last_status_at": last}
                                               for a, n, last in rows])

    def _fan_out(self, ids: list[int], items: list[ImportedStatus]) -> None:
        authors = {item.account_id for item in items}
        small = set(self.session.scalars(select(Account.id).where(
            Account.id.in_(authors), Account.followers_count < self.settings.fanout_threshold)))
        followers: dict[int, list[int]] = defaultdict(list)
        for follower, author in self.session.execute(select(Follow.account_id, Follow.target_account_id).where(
                Follow.target_account_id.in_(small))):
            followers[author].append(follower)
        store = home_feed_store(self.session, self.settings)
        for sid, item in zip(ids, items):
            store.push(status_id=sid, author_id=item.account_id,
                       account_ids=[item.account_id, *followers.get(item.account_id, ())])
