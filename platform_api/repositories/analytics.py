"""SQL for post and creator analytics (written by ``agora pipeline analytics``, read by the API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from platform_api.tables import CreatorSummary, StatusEngagementHourly


def replace_hours(session: Session, *, hours: list[datetime], rows: list[dict], chunk: int) -> None:
    """Every row of ``hours`` is replaced by ``rows`` (which must all fall in those hours)."""
    for start in range(0, len(hours), chunk):
        session.execute(delete(StatusEngagementHourly)
                        .where(StatusEngagementHourly.hour.in_(hours[start:start + chunk])))
    for start in range(0, len(rows), chunk):
        session.execute(insert(StatusEngagementHourly), rows[start:start + chunk])


def replace_creator_summaries(session: Session, *, rows: list[dict], chunk: int) -> None:
    session.execute(delete(CreatorSummary))
    for start in range(0, len(rows), chunk):
        session.execute(insert(CreatorSummary), rows[start:start + chunk])


def status_hours(session: Session, *, status_id: int) -> list[StatusEngagementHourly]:
    return list(session.scalars(select(StatusEngagementHourly).where(StatusEngagementHourly.status_id == status_id)
                                .order_by(StatusEngagementHourly.hour)))


def creator_summary(session: Session, *, author_id: int) -> CreatorSummary | None:
    return session.get(CreatorSummary, author_id)
