"""SQL for stories: statuses with ``is_story`` that have not expired."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import Status


def live_by_authors(session: Session, *, author_ids: Iterable[int], limit: int = 100) -> list[Status]:
    ids = list(set(author_ids))
    if not ids:
        return []
    return list(session.scalars(select(Status).where(
        Status.account_id.in_(ids), Status.is_story.is_(True), Status.deleted_at.is_(None),
        Status.expires_at > utcnow()).order_by(Status.id.desc()).limit(limit)))
