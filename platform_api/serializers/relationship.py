"""Mastodon Relationship JSON, for several targets in a few queries."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.tables import Block, Follow, FollowRequest, Mute


def serialize_relationships(session: Session, *, viewer_id: int, target_ids: list[int]) -> list[dict]:
    ids = list(dict.fromkeys(int(t) for t in target_ids))
    if not ids:
        return []

    def _pairs(model, outgoing: bool) -> dict[int, object]:
        mine, theirs = (model.account_id, model.target_account_id) if outgoing else \
            (model.target_account_id, model.account_id)
        rows = session.scalars(select(model).where(mine == viewer_id, theirs.in_(ids)))
        return {(r.target_account_id if outgoing else r.account_id): r for r in rows}

    following, followed_by = _pairs(Follow, True), _pairs(Follow, False)
    requested, requested_by = _pairs(FollowRequest, True), _pairs(FollowRequest, False)
    blocking, blocked_by = _pairs(Block, True), _pairs(Block, False)
    now = utcnow()
    muting = {m.target_account_id: m for m in session.scalars(select(Mute).where(
        Mute.account_id == viewer_id, Mute.target_account_id.in_(ids),
        or_(Mute.expires_at.is_(None), Mute.expires_at > now)))}
    return [{
        "id": str(t),
        "following": t in following,
        "showing_reblogs": following[t].show_reblogs if t in following else False,
        "notifying": following[t].notify if t in following else False,
        "languages": None,
        "followed_by": t in followed_by,
        "blocking": t in blocking,
        "blocked_by": t in blocked_by,
        "muting": t in muting,
        "muting_notifications": muting[t].hide_notifications if t in muting else False,
        "requested": t in requested,
        "requested_by": t in requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    } for t in ids]
