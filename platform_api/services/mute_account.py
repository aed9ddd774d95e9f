from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import unprocessable
from platform_api.ids import utcnow
from platform_api.repositories import account_pairs, outbox
from platform_api.tables import Account, Mute

MAX_MUTE_SECONDS = 10 * 365 * 24 * 3600


class MuteAccount:
    """Mute ``target`` (again: muting a muted account updates it). ``duration`` seconds, 0 for
    ever; ``notifications`` also hides its notifications.

    Nothing is deleted: ``VisibleStatuses`` hides a muted author's posts while the mute lasts,
    so a timed mute gives the home feed back when it ends."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, target: Account, *, notifications: bool = True,
                 duration: int = 0) -> Mute:
        if account.id == target.id:
            raise unprocessable("Validation failed: you cannot mute yourself")
        if not 0 <= duration <= MAX_MUTE_SECONDS:
            raise unprocessable(f"Validation failed: duration must be between 0 and {MAX_MUTE_SECONDS} seconds")
        now = utcnow()
        mute = account_pairs.find(self.session, Mute, account_id=account.id, target_account_id=target.id)
        if mute is None:
            mute = Mute(account_id=account.id, target_account_id=target.id, created_at=now)
            self.session.add(mute)
        mute.hide_notifications = notifications
        mute.expires_at = now + timedelta(seconds=duration) if duration else None
        outbox.record_event(self.session, EventType.MUTED, actor_id=account.id, target_account_id=target.id,
                            payload={"notifications": notifications, "duration": duration})
        return mute


class UnmuteAccount:
    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, target: Account) -> None:
        if account_pairs.remove(self.session, Mute, account_id=account.id, target_account_id=target.id):
            outbox.record_event(self.session, EventType.UNMUTED, actor_id=account.id,
                                target_account_id=target.id)
