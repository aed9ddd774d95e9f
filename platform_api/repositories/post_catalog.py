"""What the retrieval index needs from the database: post texts (the lake carries no text)
and the recent public posts the index may return."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.repositories.statuses import tags_for
from platform_api.tables import Status

CHUNK = 5_000


def texts(session: Session, *, status_ids: Iterable[int]) -> dict[int, str]:
    ids = list(dict.fromkeys(int(s) for s in status_ids))
    out: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        out.update(session.execute(select(Status.id, Status.text).where(Status.id.in_(ids[start:start + CHUNK]))).all())
    return out


def _indexable():
    """Public, original, live posts: the ones the retrieval index may return."""
    return (Status.visibility == "public", Status.deleted_at.is_(None), Status.reblog_of_id.is_(None),
            Status.is_story.is_(False), Status.limited.is_(False))


def indexable_posts(session: Session, *, since: datetime, after_id: int = 0) -> pd.DataFrame:
    """Indexable posts created since ``since`` with an id above ``after_id``:
    status_id, author_id, created_at, text, tags (list of names)."""
    rows = session.execute(
        select(Status.id, Status.account_id, Status.created_at, Status.text)
        .where(Status.created_at >= since, Status.id > after_id, *_indexable())
        .order_by(Status.id)).all()
    frame = pd.DataFrame(rows, columns=["status_id", "author_id", "created_at", "text"])
    tags: dict[int, list[str]] = {}
    ids = frame["status_id"].tolist()
    for start in range(0, len(ids), CHUNK):
        tags.update(tags_for(session, status_ids=ids[start:start + CHUNK]))
    frame["tags"] = [tags.get(s, []) for s in ids]
    return frame


def indexable_post(session: Session, *, status_id: int) -> dict | None:
    """One post as the retrieval service's ``/add`` takes it, or None if it is not indexable."""
    row = session.execute(select(Status.id, Status.account_id, Status.text)
                          .where(Status.id == status_id, *_indexable())).one_or_none()
    if row is None:
        return None
    return {"status_id": row.id, "author_id": row.account_id, "text": row.text,
            "tags": tags_for(session, status_ids=[row.id]).get(row.id, [])}
