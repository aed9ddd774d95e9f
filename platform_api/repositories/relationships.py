"""SQL for follows, blocks and mutes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import Account, Block, Follow, Mute


def following(session: Session, *, account_id: int, target_account_id: int) -> Follow | None:
    return session.scalar(select(Follow).where(Follow.account_id == account_id,
                                               Follow.target_account_id == target_account_id))


def followee_ids(session: Session, *, account_id: int) -> list[int]:
    return list(session.scalars(select(Follow.target_account_id).where(Follow.account_id == account_id)))


def followees_reach(session: Session, *, account_id: int) -> dict[int, int]:
    """The accounts ``account_id`` follows, each with its followers count (one query)."""
    return dict(session.execute(select(Follow.target_account_id, Account.followers_count)
                                .join(Account, Account.id == Follow.target_account_id)
                                .where(Follow.account_id == account_id)).all())


def follower_ids(session: Session, *, account_id: int) -> list[int]:
    return list(session.scalars(select(Follow.account_id).where(Follow.target_account_id == account_id)))


def remove_follow(session: Session, *, account_id: int, target_account_id: int) -> bool:
    result = session.execute(delete(Follow).where(Follow.account_id == account_id,
                                                  Follow.target_account_id == target_account_id))
    return result.rowcount > 0


def hidden_account_ids(session: Session, *, viewer_id: int) -> set[int]:
    """Accounts whose posts the viewer must not see: blocked either way, or muted (unexpired)."""
    now = utcnow()
    blocked = session.execute(select(Block.account_id, Block.target_account_id).where(
        or_(Block.account_id == viewer_id, Block.target_account_id == viewer_id))).all()
    hidden = {b if a == viewer_id else a for a, b in blocked}
    muted = session.scalars(select(Mute.target_account_id).where(
        Mute.account_id == viewer_id, or_(Mute.expires_at.is_(None), Mute.expires_at > now)))
    hidden.update(muted)
    return hidden


def following_among(session: Session, *, account_id: int, target_ids: Iterable[int]) -> set[int]:
    ids = list(set(target_ids))
    if not ids:
        return set()
    return set(session.scalars(select(Follow.target_account_id).where(
        Follow.account_id == account_id, Follow.target_account_id.in_(ids))))
