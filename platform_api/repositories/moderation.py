"""SQL for the moderation state of accounts (admin API and ``agora accounts``)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.tables import Account, MediaAttachment, Status, User


def users_of(session: Session, *, account_ids: list[int]) -> dict[int, User]:
    if not account_ids:
        return {}
    return {u.account_id: u for u in session.scalars(select(User).where(User.account_id.in_(account_ids)))}


def list_accounts(session: Session, *, role: str | None = None) -> list[Account]:
    query = select(Account).order_by(Account.id)
    if role is not None:
        query = query.where(Account.role == role)
    return list(session.scalars(query))


def mark_media_sensitive(session: Session, *, account_id: int) -> int:
    """Flag the account's statuses that carry media as sensitive."""
    with_media = select(MediaAttachment.status_id).where(MediaAttachment.account_id == account_id,
                                                         MediaAttachment.status_id.is_not(None))
    return session.execute(update(Status).where(Status.account_id == account_id, Status.id.in_(with_media),
                                                Status.sensitive.is_(False))
                           .values(sensitive=True)).rowcount
