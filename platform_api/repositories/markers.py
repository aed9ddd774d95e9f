"""SQL for read markers (the last item read in a timeline)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import Marker


def get(session: Session, *, account_id: int, timeline: str) -> Marker | None:
    return session.scalar(select(Marker).where(Marker.account_id == account_id, Marker.timeline == timeline))


def many(session: Session, *, account_id: int, timelines: Iterable[str]) -> dict[str, Marker]:
    names = list(timelines)
    if not names:
        return {}
    rows = session.scalars(select(Marker).where(Marker.account_id == account_id, Marker.timeline.in_(names)))
    return {m.timeline: m for m in rows}
