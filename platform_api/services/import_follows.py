from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.tables import Account, Follow, Notification, OutboxEvent
from platform_api.ids import snowflake_id


class ImportFollows:
    """Bulk follow import (Mastodon's follow-list import): many (follower, followee, time)
    rows with their counters, notifications and ``account.followed`` events in one transaction.
    Existing and self follows are skipped. Used by the synthetic world and account migration."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, edges: list[tuple[int, int, datetime]]) -> int:
        existing = set(self.session.execute(select(Follow.account_id, Follow.target_account_id)).all())
        seen, rows = set(), []
        for follower, followee, at in edges:
            key = (follower, followee)
            if follower == followee or key in existing or key in seen:
                continue
            seen.add(key)
            rows.append((follower, followee, at))
        if not rows:
            return 0
        self.session.execute(insert(Follow), [
            {"account_id": a, "target_account_id": b, "created_at": t, "show_reblogs": True, "notify": False}
            for a, b, t in rows])
        self.session.execute(insert(OutboxEvent), [
            {"event_type": str(EventType.FOLLOWED), "actor_id": a, "target_account_id": b, "occurred_at": t}
            for a, b, t in rows])
        self.session.execute(insert(Notification), [
            {"id": snowflake_id(t), "account_id": b, "from_account_id": a, "type": "follow", "created_at": t}
            for a, b, t in rows])
        self._recount({a for a, _, _ in rows} | {b for _, b, _ in rows})
        return len(rows)

    def _recount(self, account_ids: set[int]) -> None:
        ids = list(account_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            following = dict(self.session.execute(select(Follow.account_id, func.count()).where(
                Follow.account_id.in_(chunk)).group_by(Follow.account_id)).all())
            followers = dict(self.session.execute(select(Follow.target_account_id, func.count()).where(
                Follow.target_account_id.in_(chunk)).group_by(Follow.target_account_id)).all())
            self.session.execute(update(Account), [
                {"id": i, "following_count": following.get(i, 0), "followers_count": followers.get(i, 0)}
                for i in chunk])
