"""SQL for the trends the Spark job computes (``agora pipeline trends``): replaced whole per run,
read in rank order by the API."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from platform_api.tables import TrendingStatus, TrendingTag


def replace_trending_tags(session: Session, rows: list[dict]) -> None:
    session.execute(delete(TrendingTag))
    if rows:
        session.execute(insert(TrendingTag), rows)


def replace_trending_statuses(session: Session, rows: list[dict]) -> None:
    session.execute(delete(TrendingStatus))
    if rows:
        session.execute(insert(TrendingStatus), rows)


def has_run(session: Session) -> bool:
    """Whether the job has written anything yet (an empty result still has no rows: then the
    live SQL trends answer, which are empty too on a quiet instance)."""
    return bool(session.scalar(select(func.count()).select_from(TrendingTag))
                or session.scalar(select(func.count()).select_from(TrendingStatus)))


def trending_tags(session: Session, *, limit: int, offset: int) -> list[TrendingTag]:
    return list(session.scalars(select(TrendingTag).order_by(TrendingTag.rank).offset(offset).limit(limit)))


def trending_status_ids(session: Session) -> list[int]:
    return list(session.scalars(select(TrendingStatus.status_id).order_by(TrendingStatus.rank)))
