"""SQL for media attachments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.tables import MediaAttachment


def owned(session: Session, *, media_id: int, account_id: int) -> MediaAttachment | None:
    media = session.get(MediaAttachment, media_id)
    return media if media is not None and media.account_id == account_id else None


def of_status(session: Session, *, status_id: int) -> list[MediaAttachment]:
    return list(session.scalars(select(MediaAttachment).where(MediaAttachment.status_id == status_id)
                                .order_by(MediaAttachment.id)))


def detach_from(session: Session, *, status_id: int, keep: Iterable[int] = ()) -> None:
    """Unattach a status's media (all, or all but ``keep``) so they can be reused (delete & redraft)."""
    query = update(MediaAttachment).where(MediaAttachment.status_id == status_id)
    keep = list(keep)
    if keep:
        query = query.where(MediaAttachment.id.not_in(keep))
    session.execute(query.values(status_id=None))


def any_processing(session: Session, *, media_ids: Iterable[int]) -> bool:
    ids = list(media_ids)
    return bool(ids) and session.scalar(select(MediaAttachment.id).where(
        MediaAttachment.id.in_(ids), MediaAttachment.processing.is_(True)).limit(1)) is not None
