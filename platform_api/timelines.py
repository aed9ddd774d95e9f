"""Chronological timelines (the ranked home feed lives in ``feed/``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.home_feed_store import home_feed_store
from platform_api.reach import PublicReach
from platform_api.read_filters import LimitedReach, RepliesToVisible, VisibleWithOriginals
from platform_api.repositories import public_statuses, relationships, statuses
from platform_api.tables import Account, MediaAttachment, Pin, Status

MAX_ROUNDS = 5  # pages fetched to fill one answer when filters drop rows


def _page(query, *, max_id, since_id, min_id, limit):
    if max_id is not None:
        query = query.where(Status.id < max_id)
    if since_id is not None:
        query = query.where(Status.id > since_id)
    if min_id is not None:
        return query.where(Status.id > min_id).order_by(Status.id.asc()).limit(limit), True
    return query.order_by(Status.id.desc()).limit(limit), False


def fill_page(fetch: Callable[..., list[Status]], keep: Callable[[list[Status]], list[Status]], *,
              max_id=None, since_id=None, min_id=None, limit: int = 20) -> list[Status]:
    """Fetch raw rows in id order and filter them until ``limit`` survive or the rows run out.
    ``fetch(max_id=, since_id=, min_id=, limit=)`` returns newest first, or oldest first when
    ``min_id`` is set; the answer is always newest first."""
    batch = max(limit * 2, 20)
    ascending = min_id is not None
    kept: list[Status] = []
    for _ in range(MAX_ROUNDS):
        rows = fetch(max_id=max_id, since_id=since_id, min_id=min_id, limit=batch)
        kept.extend(keep(rows))
        if len(kept) >= limit or len(rows) < batch:
            break
        if ascending:
            min_id = rows[-1].id
        else:
            max_id = rows[-1].id
    kept = kept[:limit]
    return kept[::-1] if ascending else kept


class HomeTimeline:
    """The viewer's home feed in reverse-chronological order: pushed entries (fan-out cache)
    merged with posts pulled at read time from followed accounts above the fan-out threshold (from
    every followed account while the cache cannot be read).

    A page loads statuses a little more than ``limit`` at a time until ``limit`` are visible,
    so a page of 20 costs the same few queries whatever the number of followees."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def candidate_rows(self, viewer: Account, *, max_id: int | None = None, limit: int = 500,
                       followees: dict[int, int] | None = None) -> list[tuple]:
        """The newest live entries as ``statuses.visibility_rows`` (id, author id, …, created_at
        last), newest first; ``followees`` (followee → followers count) when the caller has read
        them already."""
        if followees is None:
            followees = relationships.followees_reach(self.session, account_id=viewer.id)
        store = home_feed_store(self.session, self.settings)
        pushed = store.status_ids(account_id=viewer.id, max_id=max_id, limit=limit)
        if store.incomplete:   # the fan-out cache is unreachable: pull from every followee
            pull_from = list(followees)
        else:
            pull_from = [a for a, followers in followees.items() if followers >= self.settings.fanout_threshold]
        pulled = statuses.recent_home_ids_by_authors(self.session, author_ids=pull_from, max_id=max_id, limit=limit)
        ids = sorted(set(pushed) | set(pulled), reverse=True)[:limit]
        return self._from_followed(ids, [*followees, viewer.id])

    def candidate_ids(self, viewer: Account, *, max_id: int | None = None, limit: int = 500) -> list[int]:
        return [row[0] for row in self.candidate_rows(viewer, max_id=max_id, limit=limit)]

    def _from_followed(self, ids: list[int], authors: list[int]) -> list[tuple]:
        """Entries of accounts the viewer no longer follows (a cache not yet unmerged) drop out."""
        rows = sorted(statuses.visibility_rows(self.session, status_ids=ids), reverse=True)
        if not rows:
            return []
        followed = np.isin(np.array([row[1] for row in rows], dtype=np.int64), authors)
        return [row for row, keep in zip(rows, followed) if keep]

    def __call__(self, viewer: Account, *, max_id=None, since_id=None, min_id=None, limit: int = 20) -> list[Status]:
        ids = self.candidate_ids(viewer, max_id=max_id, limit=max(limit * 4, 100))
        if since_id is not None:
            ids = [i for i in ids if i > since_id]
        if min_id is not None:
            ids = sorted(i for i in ids if i > min_id)[: limit * 4]
        visible = first_visible(self.session, viewer, ids, limit)
        if min_id is not None:
            return sorted(visible, key=lambda s: s.id)[:limit][::-1]
        return visible


def first_visible(session: Session, viewer: Account, ids: list[int], limit: int) -> list[Status]:
    """The first ``limit`` of ``ids`` (stories aside) the viewer may see now, loading ``limit``
    plus a quarter at a time: a page costs the same few queries however long the list, and a
    list mostly visible (a ranked one was filtered when it was ranked) loads little it won't show."""
    keep = VisibleWithOriginals(session, viewer)
    visible: list[Status] = []
    chunk_size = limit + max(5, limit // 4)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        found = statuses.many(session, status_ids=chunk)
        visible.extend(s for s in keep([found[i] for i in chunk if i in found]) if not s.is_story)
        if len(visible) >= limit:
            break
    return visible[:limit]


class AccountStatuses:
    """An account's own posts (its profile), as the viewer may see them."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, viewer: Account | None, *, max_id=None, since_id=None, min_id=None,
                 limit=20, exclude_replies=False, only_media=False, pinned=False, exclude_reblogs=False):
        query = select(Status).where(Status.account_id == account.id, Status.deleted_at.is_(None),
                                     Status.is_story.is_(False))
        if exclude_replies:
            query = query.where(Status.in_reply_to_id.is_(None))
        if exclude_reblogs:
            query = query.where(Status.reblog_of_id.is_(None))
        if only_media:
            query = query.where(Status.id.in_(select(MediaAttachment.status_id)))
        if pinned:
            query = query.where(Status.id.in_(select(Pin.status_id).where(Pin.account_id == account.id)))
        query, ascending = _page(query, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit * 2)
        rows = VisibleWithOriginals(self.session, viewer)(self.session.scalars(query))
        if ascending:
            rows = rows[:limit][::-1]
        return rows[:limit]


class PublicTimeline:
    """Public posts of everyone (``local``: this server's — every account here is local;
    ``remote``: other servers' — none yet), ``only_media`` narrowing to posts with media.
    Suspended authors never appear; silenced authors and ``limited`` posts only to followers;
    replies only when the viewer may see what they answer."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account | None, *, local=False, remote=False, only_media=False, max_id=None,
                 since_id=None, min_id=None, limit=20, **tag_filters) -> list[Status]:
        if remote and not local:
            return []

        def fetch(**page):
            return public_statuses.page(self.session, only_media=only_media, **tag_filters, **page)

        visible = VisibleWithOriginals(self.session, viewer)
        silenced, limited = PublicReach(self.session, viewer), LimitedReach(self.session, viewer)
        replies = RepliesToVisible(self.session, viewer)
        return fill_page(fetch, lambda rows: replies(limited(silenced(visible(rows)))), max_id=max_id,
                         since_id=since_id, min_id=min_id, limit=limit)


class TagTimeline:
    """Public posts with a hashtag; ``any`` widens it (one of them), ``all`` narrows it (every
    one of them too), ``none`` excludes posts carrying any of those."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account | None, hashtag: str, *, any_tags=(), all_tags=(), none_tags=(),
                 **options) -> list[Status]:
        names = [hashtag, *any_tags]
        found = public_statuses.tag_ids_by_name(self.session, names=[*names, *all_tags, *none_tags])
        any_ids = [found[n.lower().lstrip("#")] for n in names if n.lower().lstrip("#") in found]
        all_ids = [found.get(n.lower().lstrip("#")) for n in all_tags]
        if not any_ids or None in all_ids:
            return []
        none_ids = [found[n.lower().lstrip("#")] for n in none_tags if n.lower().lstrip("#") in found]
        return PublicTimeline(self.session)(viewer, any_tag_ids=any_ids, all_tag_ids=all_ids,
                                            none_tag_ids=none_ids, **options)
