"""SQL for conversation threads: the chain of parents above a status and the replies below it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.tables import Status

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 4096


def ancestors(session: Session, *, status: Status) -> list[Status]:
    """Parents from the thread's root down to ``status``'s direct parent (deleted ones end the chain)."""
    chain: list[Status] = []
    parent_id = status.in_reply_to_id
    while parent_id is not None and len(chain) < MAX_ANCESTORS:
        parent = session.get(Status, parent_id)
        if parent is None or parent.deleted_at is not None:
            break
        chain.append(parent)
        parent_id = parent.in_reply_to_id
    return chain[::-1]


def replies_in_conversation(session: Session, *, conversation_id: int, after_id: int) -> list[Status]:
    """Live replies of one conversation created after ``after_id`` (candidates for descendants)."""
    return list(session.scalars(select(Status).where(
        Status.conversation_id == conversation_id, Status.id > after_id, Status.deleted_at.is_(None),
        Status.in_reply_to_id.is_not(None)).order_by(Status.id).limit(MAX_DESCENDANTS)))
