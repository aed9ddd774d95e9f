"""SQL for a status's revisions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import StatusEdit


def has_revisions(session: Session, *, status_id: int) -> bool:
    return session.scalar(select(StatusEdit.id).where(StatusEdit.status_id == status_id).limit(1)) is not None


def revisions(session: Session, *, status_id: int) -> list[StatusEdit]:
    """Oldest first: the original, then each edit."""
    return list(session.scalars(select(StatusEdit).where(StatusEdit.status_id == status_id)
                                .order_by(StatusEdit.created_at, StatusEdit.id)))
