"""SQL for live trends: what public, unrestricted posts used and got recently.

Counted posts are live, public, original (not reblogs or stories), not ``limited`` by
moderation and by accounts that are neither suspended nor silenced. Day buckets are id
ranges (ids are time-ordered), which every backend answers from the primary key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from platform_api.ids import id_floor
from platform_api.tables import Account, Status, StatusTag, Tag


def _counted():
    return and_(Status.visibility == "public", Status.deleted_at.is_(None), Status.reblog_of_id.is_(None),
                Status.is_story.is_(False), Status.limited.is_(False),
                Status.moderation_state.not_in(("pending_review", "rejected", "removed")),
                Status.account_id.in_(select(Account.id).where(Account.suspended_at.is_(None),
                                                               Account.silenced_at.is_(None))))


def tag_usage(session: Session, *, start: datetime, end: datetime,
              tag_names: list[str] | None = None) -> dict[str, tuple[int, int]]:
    """tag name -> (uses, distinct accounts) for posts created in [start, end)."""
    query = (select(Tag.name, func.count(Status.id), func.count(distinct(Status.account_id)))
             .join(StatusTag, StatusTag.tag_id == Tag.id).join(Status, Status.id == StatusTag.status_id)
             .where(_counted(), Status.id >= id_floor(start), Status.id < id_floor(end)).group_by(Tag.name))
    if tag_names is not None:
        query = query.where(Tag.name.in_(tag_names))
    return {name: (uses, people) for name, uses, people in session.execute(query)}


def engaged_statuses(session: Session, *, since: datetime, limit: int = 500) -> list[Status]:
    """Recent counted posts with any engagement, most engaged first (candidates for trending)."""
    engagement = Status.favourites_count + Status.reblogs_count * 2 + Status.replies_count
    return list(session.scalars(select(Status).where(_counted(), Status.id >= id_floor(since), engagement > 0)
                                .order_by(engagement.desc(), Status.id.desc()).limit(limit)))


def counted_statuses(session: Session, *, status_ids: list[int]) -> list[Status]:
    """Of ``status_ids``, the posts trends may show today (moderation may have acted since the
    trends job ran), in the given order."""
    if not status_ids:
        return []
    found = {s.id: s for s in session.scalars(select(Status).where(_counted(), Status.id.in_(status_ids)))}
    return [found[i] for i in status_ids if i in found]
