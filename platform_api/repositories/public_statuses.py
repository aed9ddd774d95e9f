"""SQL for the public and hashtag timelines: live, public, original (non-reblog) posts of
unsuspended accounts, optionally narrowed by tags and media, in id order."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.tables import Account, MediaAttachment, Status, StatusTag, Tag


def tag_ids_by_name(session: Session, *, names: Iterable[str]) -> dict[str, int]:
    wanted = {n.lower().lstrip("#") for n in names if n}
    if not wanted:
        return {}
    return dict(session.execute(select(Tag.name, Tag.id).where(func.lower(Tag.name).in_(wanted))).all())


def page(session: Session, *, max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
         limit: int = 40, only_media: bool = False, any_tag_ids: list[int] | None = None,
         all_tag_ids: list[int] | None = None, none_tag_ids: list[int] | None = None) -> list[Status]:
    """Newest first, or oldest first after ``min_id`` (the caller reverses that page)."""
    query = select(Status).where(
        Status.visibility == "public", Status.deleted_at.is_(None), Status.reblog_of_id.is_(None),
        Status.is_story.is_(False),
        Status.account_id.in_(select(Account.id).where(Account.suspended_at.is_(None))))
    if only_media:
        query = query.where(Status.id.in_(select(MediaAttachment.status_id).where(
            MediaAttachment.status_id.is_not(None))))
    if any_tag_ids is not None:
        query = query.where(Status.id.in_(select(StatusTag.status_id).where(StatusTag.tag_id.in_(any_tag_ids))))
    for tag_id in all_tag_ids or []:
        query = query.where(Status.id.in_(select(StatusTag.status_id).where(StatusTag.tag_id == tag_id)))
    if none_tag_ids:
        query = query.where(Status.id.not_in(select(StatusTag.status_id).where(StatusTag.tag_id.in_(none_tag_ids))))
    if max_id is not None:
        query = query.where(Status.id < max_id)
    if since_id is not None:
        query = query.where(Status.id > since_id)
    if min_id is not None:
        return list(session.scalars(query.where(Status.id > min_id).order_by(Status.id.asc()).limit(limit)))
    return list(session.scalars(query.order_by(Status.id.desc()).limit(limit)))
