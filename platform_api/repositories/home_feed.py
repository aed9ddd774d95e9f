"""SQL for the DB-backed home feed cache (the push half of hybrid fan-out)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from platform_api.tables import HomeFeedEntry, Status


def push(session: Session, *, status_id: int, author_id: int, account_ids: Iterable[int]) -> int:
    """Add a status to these accounts' feeds, skipping accounts that already have it."""
    recipients = set(account_ids)
    if not recipients:
        return 0
    present = set(session.scalars(select(HomeFeedEntry.account_id).where(
        HomeFeedEntry.status_id == status_id, HomeFeedEntry.account_id.in_(recipients))))
    rows = [{"account_id": a, "status_id": status_id, "author_id": author_id} for a in recipients - present]
    if rows:
        session.execute(insert(HomeFeedEntry), rows)
    return len(rows)


def status_ids(session: Session, *, account_id: int, max_id: int | None = None, limit: int = 500) -> list[int]:
    query = select(HomeFeedEntry.status_id).where(HomeFeedEntry.account_id == account_id)
    if max_id is not None:
        query = query.where(HomeFeedEntry.status_id < max_id)
    return list(session.scalars(query.order_by(HomeFeedEntry.status_id.desc()).limit(limit)))


def remove_status(session: Session, *, status_id: int) -> None:
    session.execute(delete(HomeFeedEntry).where(HomeFeedEntry.status_id == status_id))


def remove_author_from(session: Session, *, account_id: int, author_id: int) -> None:
    session.execute(delete(HomeFeedEntry).where(HomeFeedEntry.account_id == account_id,
                                                HomeFeedEntry.author_id == author_id))


def latest_status_ids_of(session: Session, *, author_id: int, limit: int) -> list[tuple[int, int]]:
    """(status_id, author_id) of an author's recent public/unlisted/private posts, for backfill on follow."""
    rows = session.execute(select(Status.id, Status.account_id).where(
        Status.account_id == author_id, Status.deleted_at.is_(None), Status.visibility != "direct")
        .order_by(Status.id.desc()).limit(limit))
    return [tuple(r) for r in rows]
