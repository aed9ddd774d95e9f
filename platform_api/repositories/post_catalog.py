"""The post the API hands to the retrieval service's index right after its commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.repositories.statuses import tags_for
from platform_api.tables import Status

def indexable_conditions():
    """Public, original, live posts that moderation left in reach: the ones the retrieval
    index may return (``models/retrieval/dataset.py::post_catalog`` applies the same rule to the lake)."""
    return (Status.visibility == "public", Status.deleted_at.is_(None), Status.reblog_of_id.is_(None),
            Status.is_story.is_(False), Status.limited.is_(False), Status.moderation_state != "removed")


def indexable_post(session: Session, *, status_id: int) -> dict | None:
    """One post as the retrieval service's ``/add`` takes it, or None if it is not indexable."""
    row = session.execute(select(Status.id, Status.account_id, Status.text)
                          .where(Status.id == status_id, *indexable_conditions())).one_or_none()
    if row is None:
        return None
    return {"status_id": row.id, "author_id": row.account_id, "text": row.text,
            "tags": tags_for(session, status_ids=[row.id]).get(row.id, [])}
