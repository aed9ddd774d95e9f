from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.errors import forbidden
from platform_api.repositories import outbox, status_marks, statuses
from platform_api.services.delete_status import DeleteStatus
from platform_api.services.notify import Notify
from platform_api.tables import Account, Status


class ReblogStatus:
    """Reblog a status once (idempotent): a new Status carrying ``reblog_of_id``, the counter,
    a ``reblog`` notification and the ``status.reblogged`` event. Private and direct posts
    cannot be reblogged. Fan-out of the reblog runs after commit, like any post (only when
    ``created``: repeating a reblog changes nothing)."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings
        self.created = False

    def __call__(self, account: Account, status: Status, *, visibility: str = "public") -> Status:
        if status.reblog_of_id is not None:
            status = statuses.get(self.session, status_id=status.reblog_of_id) or status
        if status.visibility in ("private", "direct"):
            raise forbidden("This action is not allowed: private and direct posts cannot be reblogged")
        existing = status_marks.find_reblog(self.session, account_id=account.id, status_id=status.id)
        if existing is not None:
            return existing
        reblog = Status(account_id=account.id, reblog_of_id=status.id, visibility=visibility, text="", content="",
                        language=status.language)
        self.session.add(reblog)
        self.session.flush()
        self.created = True
        statuses.add_to_counter(self.session, status_id=status.id, column="reblogs_count", delta=1)
        outbox.record_event(self.session, EventType.REBLOGGED, actor_id=account.id, status_id=status.id,
                            author_id=status.account_id, occurred_at=reblog.created_at,
                            payload={"reblog_id": reblog.id})
        Notify(self.session)(recipient_id=status.account_id, from_account_id=account.id, type="reblog",
                             status_id=status.id)
        return reblog


class UnreblogStatus:
    """Undo one's reblog: it leaves home feeds, the counter drops, ``status.unreblogged`` is recorded."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, account: Account, status: Status) -> Status:
        original_id = status.reblog_of_id or status.id
        reblog = status_marks.find_reblog(self.session, account_id=account.id, status_id=original_id)
        if reblog is not None:
            DeleteStatus(self.session, self.settings).remove(reblog, actor_id=account.id,
                                                             event=EventType.UNREBLOGGED)
        return statuses.get(self.session, status_id=original_id) or status
