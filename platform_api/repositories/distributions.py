"""SQL for the fan-out queue: statuses committed but not yet in their followers' home feeds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import PendingDistribution


def schedule(session: Session, *, status_id: int) -> None:
    """Added to the caller's transaction, so it commits (or rolls back) with the status."""
    session.add(PendingDistribution(status_id=status_id))


def done(session: Session, *, status_id: int) -> None:
    session.execute(delete(PendingDistribution).where(PendingDistribution.status_id == status_id))


def pending_ids(session: Session, *, older_than_seconds: float = 0, after_id: int = 0,
                limit: int = 500) -> list[int]:
    """Oldest first, after ``after_id``. ``older_than_seconds`` leaves alone the rows whose
    worker may still be running."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    return list(session.scalars(select(PendingDistribution.status_id)
                                .where(PendingDistribution.created_at <= cutoff,
                                       PendingDistribution.status_id > after_id)
                                .order_by(PendingDistribution.status_id).limit(limit)))
