from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from platform_api.input_schemas import SearchParams
from platform_api.reach import PublicReach
from platform_api.read_filters import VisibleWithOriginals
from platform_api.repositories import relationships, search, statuses
from platform_api.tables import Account, Status

CANDIDATES = 1000  # full-text matches fetched before visibility filtering


@dataclass
class SearchResults:
    accounts: list[Account] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)


class Search:
    """``/api/v2/search``: accounts and hashtags by prefix, statuses by full text (the
    database's own engine, ``repositories/search.py``). Statuses go through
    ``VisibleStatuses``; ``limited`` posts are never found (except by their author) and
    silenced authors only by their followers.
    ``resolve`` is accepted and ignored: there are no remote servers to ask."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, viewer: Account | None, params: SearchParams) -> SearchResults:
        results = SearchResults()
        wanted = {params.type} if params.type else {"accounts", "hashtags", "statuses"}
        if "accounts" in wanted:
            results.accounts = self._accounts(viewer, params)
        if "hashtags" in wanted:
            results.hashtags = search.hashtags(self.session, q=params.q, limit=params.limit, offset=params.offset)
        if "statuses" in wanted:
            results.statuses = self._statuses(viewer, params)
        return results

    def _accounts(self, viewer: Account | None, params: SearchParams) -> list[Account]:
        found = search.accounts(self.session, q=params.q, limit=params.limit + 20, offset=params.offset,
                                followed_by=viewer.id if viewer and params.following else None)
        hidden = relationships.hidden_account_ids(self.session, viewer_id=viewer.id) if viewer else set()
        return [a for a in found if a.id not in hidden][: params.limit]

    def _statuses(self, viewer: Account | None, params: SearchParams) -> list[Status]:
        ids = search.status_ids(self.session, q=params.q, account_id=params.account_id,
                                limit=min(CANDIDATES, (params.offset + params.limit) * 4 + 40))
        found = statuses.many(self.session, status_ids=ids)
        rows = [found[i] for i in ids if i in found and not found[i].is_story]
        viewer_id = viewer.id if viewer else None
        rows = [s for s in rows if not s.limited or s.account_id == viewer_id]  # search never spreads them
        rows = PublicReach(self.session, viewer)(VisibleWithOriginals(self.session, viewer)(rows))
        return rows[params.offset: params.offset + params.limit]
