"""SQL for favourites."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from platform_api.tables import Favourite


def find(session: Session, *, account_id: int, status_id: int) -> Favourite | None:
    return session.scalar(select(Favourite).where(Favourite.account_id == account_id,
                                                  Favourite.status_id == status_id))


def remove(session: Session, *, account_id: int, status_id: int) -> bool:
    return session.execute(delete(Favourite).where(Favourite.account_id == account_id,
                                                   Favourite.status_id == status_id)).rowcount > 0
