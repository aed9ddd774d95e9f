"""SQL for notifications and for whose notifications a recipient does not get."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import Account, Block, Mute, Notification


def hidden_sender_ids(session: Session, *, recipient_id: int) -> set[int]:
    """Accounts blocked either way, or muted with ``notifications`` (while the mute lasts)."""
    blocked = session.execute(select(Block.account_id, Block.target_account_id).where(
        or_(Block.account_id == recipient_id, Block.target_account_id == recipient_id))).all()
    hidden = {b if a == recipient_id else a for a, b in blocked}
    hidden.update(session.scalars(select(Mute.target_account_id).where(
        Mute.account_id == recipient_id, Mute.hide_notifications.is_(True),
        or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow()))))
    return hidden


def page(session: Session, *, recipient_id: int, hidden_sender_ids: Iterable[int] = (),
         types: Iterable[str] = (), exclude_types: Iterable[str] = (), from_account_id: int | None = None,
         max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
         limit: int = 40) -> list[Notification]:
    """Newest first (oldest first with ``min_id``); senders that are hidden or suspended are left out."""
    query = (select(Notification).join(Account, Account.id == Notification.from_account_id)
             .where(Notification.account_id == recipient_id, Account.suspended_at.is_(None)))
    hidden = list(hidden_sender_ids)
    if hidden:
        query = query.where(Notification.from_account_id.not_in(hidden))
    types, exclude_types = list(types), list(exclude_types)
    if types:
        query = query.where(Notification.type.in_(types))
    if exclude_types:
        query = query.where(Notification.type.not_in(exclude_types))
    if from_account_id is not None:
        query = query.where(Notification.from_account_id == from_account_id)
    if max_id is not None:
        query = query.where(Notification.id < max_id)
    if since_id is not None:
        query = query.where(Notification.id > since_id)
    if min_id is not None:
        return list(session.scalars(query.where(Notification.id > min_id).order_by(Notification.id.asc())
                                    .limit(limit)))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def get(session: Session, *, recipient_id: int, notification_id: int) -> Notification | None:
    return session.scalar(select(Notification).where(Notification.id == notification_id,
                                                     Notification.account_id == recipient_id))


def remove(session: Session, *, recipient_id: int, notification_id: int) -> bool:
    return session.execute(delete(Notification).where(Notification.id == notification_id,
                                                      Notification.account_id == recipient_id)).rowcount > 0


def clear(session: Session, *, recipient_id: int) -> int:
    return session.execute(delete(Notification).where(Notification.account_id == recipient_id)).rowcount


def remove_from(session: Session, *, recipient_id: int, from_account_id: int, types: Iterable[str]) -> int:
    """Delete the recipient's notifications of ``types`` sent by one account (an answered follow request)."""
    return session.execute(delete(Notification).where(
        Notification.account_id == recipient_id, Notification.from_account_id == from_account_id,
        Notification.type.in_(list(types)))).rowcount
