"""SQL for the media blocklist (``media_blocks``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.tables import MediaBlock


def version_token(session: Session) -> tuple:
    """Changes whenever a block is added or removed: (row count, newest id)."""
    return tuple(session.execute(select(func.count(MediaBlock.id), func.max(MediaBlock.id))).one())


def all_hashes(session: Session) -> list[tuple[int, str]]:
    return list(session.execute(select(MediaBlock.id, MediaBlock.phash)).tuples())


def get(session: Session, *, block_id: int) -> MediaBlock | None:
    return session.get(MediaBlock, block_id)


def by_hash(session: Session, *, phash: str) -> MediaBlock | None:
    return session.scalar(select(MediaBlock).where(MediaBlock.phash == phash))


def page(session: Session, *, max_id: int | None = None, since_id: int | None = None,
         limit: int = 100) -> list[MediaBlock]:
    query = select(MediaBlock).order_by(MediaBlock.id.desc()).limit(limit)
    if max_id is not None:
        query = query.where(MediaBlock.id < max_id)
    if since_id is not None:
        query = query.where(MediaBlock.id > since_id)
    return list(session.scalars(query))
