from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.repositories import outbox, status_marks
from platform_api.tables import Account, Pin, Status

MAX_PINS = 5


class PinStatus:
    """Pin one's own public or unlisted post to the profile (at most five), with ``status.pinned``."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status) -> Pin:
        if status.account_id != account.id or status.reblog_of_id is not None:
            raise unprocessable("Validation failed: you can only pin your own posts")
        if status.visibility not in ("public", "unlisted"):
            raise unprocessable("Validation failed: only public and unlisted posts can be pinned")
        existing = status_marks.find_pin(self.session, account_id=account.id, status_id=status.id)
        if existing is not None:
            return existing
        if status_marks.pin_count(self.session, account_id=account.id) >= MAX_PINS:
            raise unprocessable(f"Validation failed: you cannot pin more than {MAX_PINS} posts")
        pin = Pin(account_id=account.id, status_id=status.id)
        self.session.add(pin)
        outbox.record_event(self.session, EventType.PINNED, actor_id=account.id, status_id=status.id,
                            author_id=account.id)
        return pin


class UnpinStatus:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status) -> None:
        if status_marks.remove_pin(self.session, account_id=account.id, status_id=status.id):
            outbox.record_event(self.session, EventType.UNPINNED, actor_id=account.id, status_id=status.id,
                                author_id=account.id)
