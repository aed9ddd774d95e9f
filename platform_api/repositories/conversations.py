"""SQL for direct-message conversations: one ``ConversationParticipant`` row per
(thread, participant) is that participant's view of the thread."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api.tables import ConversationParticipant, Status


def record_message(session: Session, *, conversation_id: int, status_id: int, author_id: int,
                   participant_ids: Iterable[int]) -> None:
    """A direct status was posted: every participant's row points at it and shows the thread
    again; it is unread for everyone but its author."""
    ids = set(participant_ids) | {author_id}
    rows = {r.account_id: r for r in session.scalars(select(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation_id, ConversationParticipant.account_id.in_(ids)))}
    for account_id in ids:
        row = rows.get(account_id) or _create(session, conversation_id, account_id)
        row.last_status_id = max(row.last_status_id or 0, status_id)
        row.unread = account_id != author_id
        row.hidden = False


def _create(session: Session, conversation_id: int, account_id: int) -> ConversationParticipant:
    row = ConversationParticipant(conversation_id=conversation_id, account_id=account_id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a concurrent message created it first
        row = session.scalar(select(ConversationParticipant).where(
            ConversationParticipant.conversation_id == conversation_id,
            ConversationParticipant.account_id == account_id))
    return row


def page(session: Session, *, account_id: int, max_id: int | None = None, since_id: int | None = None,
         min_id: int | None = None, limit: int = 20) -> list[ConversationParticipant]:
    """The account's visible conversations, most recently active first, paged by last status id."""
    query = select(ConversationParticipant).where(ConversationParticipant.account_id == account_id,
                                                  ConversationParticipant.hidden.is_(False),
                                                  ConversationParticipant.last_status_id.is_not(None))
    column = ConversationParticipant.last_status_id
    if max_id is not None:
        query = query.where(column < max_id)
    if since_id is not None:
        query = query.where(column > since_id)
    if min_id is not None:
        return list(session.scalars(query.where(column > min_id).order_by(column.asc()).limit(limit)))[::-1]
    return list(session.scalars(query.order_by(column.desc()).limit(limit)))


def get(session: Session, *, account_id: int, participant_id: int) -> ConversationParticipant | None:
    row = session.get(ConversationParticipant, participant_id)
    return row if row is not None and row.account_id == account_id and not row.hidden else None


def participant_ids(session: Session, *, conversation_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(set(conversation_ids))
    out: dict[int, list[int]] = {}
    if ids:
        rows = session.execute(select(ConversationParticipant.conversation_id, ConversationParticipant.account_id)
                               .where(ConversationParticipant.conversation_id.in_(ids))
                               .order_by(ConversationParticipant.id))
        for conversation_id, account_id in rows:
            out.setdefault(conversation_id, []).append(account_id)
    return out


def direct_status_ids(session: Session, *, conversation_ids: Iterable[int], per_conversation: int = 20) -> list[int]:
    """Recent direct statuses of these threads, newest first (to find the latest one a viewer
    may still see when the last one was deleted)."""
    ids = list(set(conversation_ids))
    if not ids:
        return []
    ranked = (select(Status.id, func.row_number().over(partition_by=Status.conversation_id,
                                                        order_by=Status.id.desc()).label("rank"))
              .where(Status.conversation_id.in_(ids), Status.visibility == "direct", Status.deleted_at.is_(None))
              .subquery())
    return list(session.scalars(select(ranked.c.id).where(ranked.c.rank <= per_conversation)
                                .order_by(ranked.c.id.desc())))
