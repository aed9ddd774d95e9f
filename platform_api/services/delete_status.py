from __future__ import annotations

from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.errors import not_found
from platform_api.home_feed_store import home_feed_store
from platform_api.ids import utcnow
from platform_api.repositories import accounts, audiences, media, outbox, status_marks, statuses
from platform_api.streaming.after_commit import after_commit
from platform_api.streaming.deliveries import DeliverDelete, publish_after_commit
from platform_api.tables import Account, Status


class DeleteStatus:
    """Delete one's own status: it leaves every home feed (and so do its reblogs, which die
    with it), counters drop, pins go, media are unattached for a redraft, the
    ``status.deleted`` event is recorded and, after commit, streams hear ``delete``."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, account: Account, status: Status) -> Status:
        if status.account_id != account.id or status.deleted_at is not None:
            raise not_found()
        self.remove(status, actor_id=account.id, event=EventType.STATUS_DELETED)
        return status

    def remove(self, status: Status, *, actor_id: int, event: EventType) -> None:
        status.deleted_at = utcnow()
        if status.reblog_of_id is not None:
            statuses.add_to_counter(self.session, status_id=status.reblog_of_id, column="reblogs_count", delta=-1)
        else:
            accounts.add_to_counter(self.session, account_id=status.account_id, column="statuses_count", delta=-1)
        if status.in_reply_to_id is not None:
            statuses.add_to_counter(self.session, status_id=status.in_reply_to_id, column="replies_count", delta=-1)
        status_marks.remove_pins_of(self.session, status_id=status.id)
        media.detach_from(self.session, status_id=status.id)
        recipients = {status.account_id} | set(audiences.follower_ids(self.session, account_id=status.account_id))
        home_feed_store(self.session, self.settings).remove_status(
            status_id=status.id, author_id=status.account_id, account_ids=recipients)
        original = self.session.get(Status, status.reblog_of_id) if status.reblog_of_id else None
        outbox.record_event(self.session, event, actor_id=actor_id,
                            status_id=original.id if original else status.id,
                            author_id=original.account_id if original else status.account_id,
                            payload={"reblog_id": status.id} if original else None)
        after_commit(self.session, publish_after_commit, DeliverDelete, status.id)
        for reblog in status_marks.live_reblogs_of(self.session, status_id=status.id):
            self.remove(reblog, actor_id=reblog.account_id, event=EventType.UNREBLOGGED)
