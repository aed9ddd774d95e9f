"""SQL for who should receive a status: the followers a post or reblog is delivered to,
and which of them hide its author."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import Block, ConversationParticipant, Follow, Mute


#: Accounts per ``IN (...)`` list (SQLite allows 32,766 bound parameters per statement).
CHUNK = 10_000


def follower_ids(session: Session, *, account_id: int, reblogs_only: bool = False,
                 among: Iterable[int] | None = None) -> list[int]:
    """Followers of an account; with ``reblogs_only``, those who want to see its reblogs; with
    ``among``, only those in it (for a big account, cheaper than reading every follower)."""
    query = select(Follow.account_id).where(Follow.target_account_id == account_id)
    if reblogs_only:
        query = query.where(Follow.show_reblogs.is_(True))
    if among is None:
        return list(session.scalars(query))
    ids = list(set(among))
    return [f for start in range(0, len(ids), CHUNK)
            for f in session.scalars(query.where(Follow.account_id.in_(ids[start:start + CHUNK])))]


def hiding_account_ids(session: Session, *, account_id: int, among: Iterable[int]) -> set[int]:
    """Which of ``among`` hide ``account_id`` (block it, are blocked by it, or mute it unexpired)."""
    ids = list(set(among))
    if not ids:
        return set()
    now = utcnow()
    hiding = set(session.scalars(select(Block.account_id).where(Block.target_account_id == account_id,
                                                                Block.account_id.in_(ids))))
    hiding.update(session.scalars(select(Block.target_account_id).where(Block.account_id == account_id,
                                                                        Block.target_account_id.in_(ids))))
    hiding.update(session.scalars(select(Mute.account_id).where(
        Mute.target_account_id == account_id, Mute.account_id.in_(ids),
        or_(Mute.expires_at.is_(None), Mute.expires_at > now))))
    return hiding


def conversation_row(session: Session, *, conversation_id: int, account_id: int) -> ConversationParticipant | None:
    """One participant's view of a direct thread (what its ``conversation`` stream event renders)."""
    return session.scalar(select(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation_id, ConversationParticipant.account_id == account_id))
