from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.ids import snowflake_id
from platform_api.tables import FeedbackSignal, Favourite, Notification, OutboxEvent, ServedImpression, Status


@dataclass(frozen=True)
class Engagement:
    viewer_id: int
    status_id: int
    author_id: int
    at: datetime
    kind: EventType  # IMPRESSION, FAVOURITED, CLICKED, HIDDEN


class RecordEngagements:
    """Record a batch of impressions and engagements: the events (in the outbox), the
    favourites with their counters and notifications, and what was served to whom.

    The feed logs its impressions through this as a side effect; the synthetic world
    replays its simulated sessions through it."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, engagements: list[Engagement]) -> int:
        if not engagements:
            return 0
        self.session.execute(insert(OutboxEvent), [
            {"event_type": str(e.kind), "actor_id": e.viewer_id, "status_id": e.status_id,
             "author_id": e.author_id, "occurred_at": e.at} for e in engagements])
        self._served([e for e in engagements if e.kind == EventType.IMPRESSION])
        self._favourites([e for e in engagements if e.kind == EventType.FAVOURITED])
        hides = [e for e in engagements if e.kind == EventType.HIDDEN]
        if hides:
            self.session.execute(insert(FeedbackSignal), [
                {"account_id": e.viewer_id, "author_id": e.author_id, "status_id": e.status_id, "kind": "hide",
                 "created_at": e.at} for e in hides])
        return len(engagements)

    def _served(self, impressions: list[Engagement]) -> None:
        if not impressions:
            return
        pairs = {(e.viewer_id, e.status_id): e.at for e in impressions}
        present = set(self.session.execute(select(ServedImpression.account_id, ServedImpression.status_id).where(
            ServedImpression.account_id.in_({v for v, _ in pairs}),
            ServedImpression.status_id.in_({s for _, s in pairs}))).all())
        rows = [{"account_id": v, "status_id": s, "served_at": at} for (v, s), at in pairs.items()
                if (v, s) not in present]
        if rows:
            self.session.execute(insert(ServedImpression), rows)

    def _favourites(self, likes: list[Engagement]) -> None:
        unique = {(e.viewer_id, e.status_id): e for e in likes}
        if not unique:
            return
        present = set(self.session.execute(select(Favourite.account_id, Favourite.status_id).where(
            Favourite.account_id.in_({v for v, _ in unique}),
            Favourite.status_id.in_({s for _, s in unique}))).all())
        new = [e for key, e in unique.items() if key not in present]
        if not new:
            return
        self.session.execute(insert(Favourite), [
            {"account_id": e.viewer_id, "status_id": e.status_id, "created_at": e.at} for e in new])
        self.session.execute(insert(Notification), [
            {"id": snowflake_id(e.at), "account_id": e.author_id, "from_account_id": e.viewer_id,
             "type": "favourite", "status_id": e.status_id, "created_at": e.at}
            for e in new if e.author_id != e.viewer_id])
        per_status = Counter(e.status_id for e in new)
        for status_id, n in per_status.items():
            self.session.execute(update(Status).where(Status.id == status_id)
                                 .values(favourites_count=Status.favourites_count + n))
