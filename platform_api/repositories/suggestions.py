"""SQL for follow suggestions: who may be suggested to a viewer, and the candidates the
friends-of-friends and most-followed sources start from."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from platform_api.ids import utcnow
from platform_api.tables import Account, Block, Follow, FollowRequest, Mute, SuggestionDismissal


def suggestible(viewer_id: int) -> list:
    """Conditions on ``Account``: not the viewer, discoverable, not suspended or silenced, and
    not already followed, requested, blocked either way, muted or dismissed by the viewer."""
    now = utcnow()
    return [
        Account.id != viewer_id,
        Account.discoverable.is_(True),
        Account.suspended_at.is_(None),
        Account.silenced_at.is_(None),
        Account.id.not_in(select(Follow.target_account_id).where(Follow.account_id == viewer_id)),
        Account.id.not_in(select(FollowRequest.target_account_id).where(FollowRequest.account_id == viewer_id)),
        Account.id.not_in(select(Block.target_account_id).where(Block.account_id == viewer_id)),
        Account.id.not_in(select(Block.account_id).where(Block.target_account_id == viewer_id)),
        Account.id.not_in(select(Mute.target_account_id).where(
            Mute.account_id == viewer_id, or_(Mute.expires_at.is_(None), Mute.expires_at > now))),
        Account.id.not_in(select(SuggestionDismissal.target_account_id).where(
            SuggestionDismissal.account_id == viewer_id)),
    ]


def friends_of_friends_paths(session: Session, *, viewer_id: int, max_paths: int = 50_000) -> list[tuple]:
    """One row per path viewer → followed account → candidate: ``(candidate_id,
    candidate_followers, degree of the account in between)``, the degree counting its
    followers and followings (the follow graph taken as undirected)."""
    mine, theirs, via = aliased(Follow), aliased(Follow), aliased(Account)
    query = (select(Account.id, Account.followers_count, via.followers_count + via.following_count)
             .select_from(mine)
             .join(theirs, theirs.account_id == mine.target_account_id)
             .join(via, via.id == mine.target_account_id)
             .join(Account, Account.id == theirs.target_account_id)
             .where(mine.account_id == viewer_id, via.suspended_at.is_(None), *suggestible(viewer_id))
             .limit(max_paths))
    return [tuple(r) for r in session.execute(query)]


def most_followed(session: Session, *, viewer_id: int, exclude_ids: list[int], limit: int) -> list[Account]:
    query = select(Account).where(*suggestible(viewer_id))
    if exclude_ids:
        query = query.where(Account.id.not_in(exclude_ids))
    return list(session.scalars(query.order_by(Account.followers_count.desc(), Account.id).limit(limit)))


def add_dismissal(session: Session, *, account_id: int, target_account_id: int) -> bool:
    exists = session.scalar(select(SuggestionDismissal.id).where(
        SuggestionDismissal.account_id == account_id, SuggestionDismissal.target_account_id == target_account_id))
    if exists is not None:
        return False
    session.add(SuggestionDismissal(account_id=account_id, target_account_id=target_account_id))
    return True


def following_ids(session: Session, *, viewer_id: int, limit: int = 5_000) -> list[int]:
    """Whom the viewer follows, oldest follow first (the newest ``limit``)."""
    query = (select(Follow.target_account_id).where(Follow.account_id == viewer_id)
             .order_by(Follow.created_at.desc(), Follow.id.desc()).limit(limit))
    return list(session.scalars(query))[::-1]


def suggestible_among(session: Session, *, viewer_id: int, account_ids: list[int]) -> set[int]:
    """The subset of ``account_ids`` that may be suggested to the viewer right now."""
    if not account_ids:
        return set()
    return set(session.scalars(select(Account.id).where(Account.id.in_(account_ids), *suggestible(viewer_id))))


def followed_by_followed(session: Session, *, viewer_id: int, account_ids: list[int]) -> dict[int, list[str]]:
    """For each candidate, the usernames of the accounts the viewer follows who follow it
    (most followed first)."""
    if not account_ids:
        return {}
    mine, theirs, via = aliased(Follow), aliased(Follow), aliased(Account)
    query = (select(theirs.target_account_id, via.username)
             .select_from(mine)
             .join(theirs, theirs.account_id == mine.target_account_id)
             .join(via, via.id == mine.target_account_id)
             .where(mine.account_id == viewer_id, theirs.target_account_id.in_(account_ids),
                    via.suspended_at.is_(None))
             .order_by(via.followers_count.desc(), via.id))
    out: dict[int, list[str]] = {}
    for candidate, username in session.execute(query):
        out.setdefault(candidate, []).append(username)
    return out


def followers_among(session: Session, *, viewer_id: int, account_ids: list[int]) -> set[int]:
    """The candidates that follow the viewer."""
    if not account_ids:
        return set()
    return set(session.scalars(select(Follow.account_id).where(Follow.target_account_id == viewer_id,
                                                               Follow.account_id.in_(account_ids))))
