from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.repositories import favourites, outbox, statuses
from platform_api.services.notify import Notify
from platform_api.tables import Account, Favourite, Status


class FavouriteStatus:
    """Like a status once (idempotent): counter, notification and ``status.favourited`` event."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status, *, created_at: datetime | None = None) -> Favourite:
        existing = favourites.find(self.session, account_id=account.id, status_id=status.id)
        if existing is not None:
            return existing
        favourite = Favourite(account_id=account.id, status_id=status.id)
        if created_at is not None:
            favourite.created_at = created_at
        self.session.add(favourite)
        statuses.add_to_counter(self.session, status_id=status.id, column="favourites_count", delta=1)
        outbox.record_event(self.session, EventType.FAVOURITED, actor_id=account.id, status_id=status.id,
                            author_id=status.account_id, occurred_at=favourite.created_at)
        Notify(self.session)(recipient_id=status.account_id, from_account_id=account.id, type="favourite",
                             status_id=status.id)
        return favourite


class UnfavouriteStatus:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status) -> None:
        if favourites.remove(self.session, account_id=account.id, status_id=status.id):
            statuses.add_to_counter(self.session, status_id=status.id, column="favourites_count", delta=-1)
            outbox.record_event(self.session, EventType.UNFAVOURITED, actor_id=account.id, status_id=status.id,
                                author_id=status.account_id)
