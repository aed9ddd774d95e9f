"""Who may see a status. Every read path (timelines, context, search, notifications,
streaming, account statuses) filters through ``VisibleStatuses``.

The rules are written once, vectorised over a batch (``_keep``): the ORM path (``__call__``)
and the column path the ranked feed uses for its ~1,000 candidates (``visible_ids``, no ORM
objects) both go through them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy.orm import Session

from platform_api.ids import utcnow
from platform_api.repositories import accounts, relationships, statuses
from platform_api.tables import Account, Status

HIDDEN_BY_MODERATION = ("pending_review", "rejected", "removed")


class VisibleStatuses:
    """Filter statuses down to those ``viewer`` may see (``None`` = logged out)."""

    def __init__(self, session: Session, viewer: Account | None):
        self.session = session
        self.viewer = viewer
        self._hidden: set[int] | None = None

    @property
    def hidden_authors(self) -> set[int]:
        if self._hidden is None:
            self._hidden = (relationships.hidden_account_ids(self.session, viewer_id=self.viewer.id)
                            if self.viewer else set())
        return self._hidden

    def __call__(self, items: Iterable[Status]) -> list[Status]:
        items = [s for s in items if s is not None and s.deleted_at is None]
        if not items:
            return []
        authors = accounts.many(self.session, account_ids={s.account_id for s in items})
        now = utcnow()
        keep = self._keep(
            status_ids=[s.id for s in items], author_ids=[s.account_id for s in items],
            visibility=[s.visibility for s in items], moderation=[s.moderation_state for s in items],
            expired=[s.expires_at is not None and s.expires_at <= now for s in items],
            suspended=[(a := authors.get(s.account_id)) is None or a.suspended_at is not None for s in items])
        return [s for s, k in zip(items, keep) if k]

    def visible_ids(self, status_ids: Iterable[int], *, stories: bool = True,
                    known: dict[int, tuple] | None = None) -> set[int]:
        """The ids among ``status_ids`` the viewer may see, from a column query (no ORM rows);
        ``stories=False`` drops stories too (the home feed shows them elsewhere). ``known``: rows
        of ``statuses.visibility_rows`` read earlier in this request, by id (not read again)."""
        known = known or {}
        wanted = set(status_ids)
        rows = [known[i] for i in wanted if i in known]
        rows += statuses.visibility_rows(self.session, status_ids=wanted - known.keys())
        if not rows:
            return set()
        ids, author_ids, visibility, moderation, expires_at, is_story, suspended, _ = zip(*rows)
        now = utcnow()
        keep = self._keep(status_ids=ids, author_ids=author_ids, visibility=visibility, moderation=moderation,
                          expired=[e is not None and e <= now for e in expires_at], suspended=suspended)
        if not stories:
            keep &= ~np.asarray(is_story, dtype=bool)
        return set(np.asarray(ids, dtype=np.int64)[keep].tolist())

    def _keep(self, *, status_ids: Sequence[int], author_ids: Sequence[int], visibility: Sequence[str],
              moderation: Sequence[str], expired: Sequence[bool], suspended: Sequence[bool]) -> np.ndarray:
        viewer_id = self.viewer.id if self.viewer else None
        author = np.asarray(author_ids, dtype=np.int64)
        visibility = np.asarray(visibility, dtype=object)
        private, direct = visibility == "private", visibility == "direct"
        followed = mentioned = np.zeros(len(author), dtype=bool)
        if viewer_id is not None:
            followed = np.isin(author, list(relationships.following_among(
                self.session, account_id=viewer_id, target_ids=set(author[private].tolist()))))
            restricted = np.asarray(status_ids, dtype=np.int64)[private | direct].tolist()
            mentioned = np.isin(np.asarray(status_ids, dtype=np.int64), list(statuses.mentioning(
                self.session, account_id=viewer_id, status_ids=restricted)))
        own = author == viewer_id if viewer_id is not None else np.zeros(len(author), dtype=bool)
        audience = np.where(private, followed | mentioned, np.where(direct, mentioned, True))
        return (~np.asarray(suspended, dtype=bool) & ~np.isin(author, list(self.hidden_authors))
                & ~np.asarray(expired, dtype=bool)
                & (own | (~np.isin(np.asarray(moderation, dtype=object), HIDDEN_BY_MODERATION) & audience)))

    def one(self, status: Status | None) -> Status | None:
        kept = self([status]) if status is not None else []
        return kept[0] if kept else None
