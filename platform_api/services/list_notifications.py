from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from platform_api.repositories import markers, notifications, statuses
from platform_api.tables import Account, Notification
from platform_api.visibility import VisibleStatuses

MAX_ROUNDS = 5  # pages fetched to fill one answer when many notifications point at hidden statuses


class ListNotifications:
    """A page of the recipient's notifications, newest first, without those from hidden or
    suspended senders (``repositories.notifications``) or about a status the recipient may no
    longer see (``VisibleStatuses``: deleted, now followers-only, its author blocked…)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, recipient: Account, *, types: Iterable[str] = (), exclude_types: Iterable[str] = (),
                 from_account_id: int | None = None, max_id: int | None = None, since_id: int | None = None,
                 min_id: int | None = None, limit: int = 40) -> list[Notification]:
        types, exclude_types = list(types), list(exclude_types)
        hidden = notifications.hidden_sender_ids(self.session, recipient_id=recipient.id)
        visible = VisibleStatuses(self.session, recipient)
        kept: list[Notification] = []
        batch_size = limit + 10
        for _ in range(MAX_ROUNDS):
            batch = notifications.page(self.session, recipient_id=recipient.id, hidden_sender_ids=hidden,
                                       types=types, exclude_types=exclude_types, from_account_id=from_account_id,
                                       max_id=max_id, since_id=since_id, min_id=min_id, limit=batch_size)
            kept.extend(self._about_visible_statuses(batch, visible))
            if len(batch) < batch_size or len(kept) >= limit:
                break
            if min_id is not None:
                min_id = batch[-1].id
            else:
                max_id = batch[-1].id
        kept = kept[:limit]
        return kept[::-1] if min_id is not None else kept

    def _about_visible_statuses(self, batch: list[Notification], visible: VisibleStatuses) -> list[Notification]:
        found = statuses.many(self.session, status_ids=[n.status_id for n in batch if n.status_id is not None])
        shown = {s.id for s in visible(found.values())}
        return [n for n in batch if n.status_id is None or n.status_id in shown]


class CountUnreadNotifications:
    """How many notifications are newer than the recipient's ``notifications`` marker (capped),
    counted with the same filters as the list."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, recipient: Account, *, limit: int = 100, **filters) -> int:
        marker = markers.get(self.session, account_id=recipient.id, timeline="notifications")
        since_id = marker.last_read_id if marker is not None else None
        return len(ListNotifications(self.session)(recipient, since_id=since_id, limit=limit, **filters))
