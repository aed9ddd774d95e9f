from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.repositories import outbox
from platform_api.tables import Account, FeedbackSignal, Status


class HideStatus:
    """"Show less like this": remembers the author for the feedback-fatigue heuristic and
    records a ``status.hidden`` event (a negative label for the ranker)."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, status: Status) -> FeedbackSignal:
        signal = FeedbackSignal(account_id=account.id, author_id=status.account_id, status_id=status.id, kind="hide")
        self.session.add(signal)
        outbox.record_event(self.session, EventType.HIDDEN, actor_id=account.id, status_id=status.id,
                            author_id=status.account_id)
        return signal
