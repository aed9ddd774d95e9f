from __future__ import annotations

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.feed.experiments import CHRONOLOGICAL, Assignment, HomeFeedExperiment
from platform_api.feed.metrics import FEED_CACHE
from platform_api.feed.page_cache import RankedPageCache
from platform_api.feed.pipeline import HomeFeedPipeline, RankedFeed
from platform_api.feed.ranking_pool import RankFeed, RankingPool
from platform_api.feed.refresher import FeedRefresher
from platform_api.tables import Account, Status
from platform_api.timelines import HomeTimeline, first_visible


class RankedHomeTimeline:
    """A page of the ranked home feed, cache-first: the viewer's cached ranked list answers
    while it is fresh; a stale one still answers and is recomputed in the background
    (``FeedRefresher``); only a viewer with no list pays the ranking. ``max_id`` continues
    after that item in the cached list; newer-than queries (``since_id``/``min_id``) and lists
    that expired are answered in chronological order. Whatever the list, the page's statuses
    are re-read and re-checked for visibility now (deletes, blocks and mutes apply at once).

    With an experiment running, the viewer's arm decides the ranking (a ranker alias, or the
    chronological timeline) and is kept in ``assignment`` for the exposure log. ``list_source``
    says where the page's list came from: ``cached`` (a ranked list kept earlier), ``ranked``
    (the pipeline ran for this request: a cache miss) or ``chronological``."""

    def __init__(self, session: Session, settings: Settings, pipeline: HomeFeedPipeline, cache: RankedPageCache,
                 experiment: HomeFeedExperiment | None = None, refresher: FeedRefresher | None = None,
                 pool: RankingPool | None = None):
        self.session = session
        self.settings = settings
        self.rank = RankFeed(settings, pipeline, pool)
        self.cache = cache
        self.experiment = experiment
        self.refresher = refresher
        self.assignment: Assignment | None = None
        self.list_source = "chronological"

    def __call__(self, viewer: Account, *, max_id=None, since_id=None, min_id=None,
                 limit: int = 20) -> tuple[list[Status], dict[int, dict], str]:
        self.assignment = self.experiment.assign(viewer.id) if self.experiment else None
        alias = self.assignment.ranking if self.assignment else "champion"
        if since_id is not None or min_id is not None or alias == CHRONOLOGICAL:
            return self._chronological(viewer, max_id, since_id, min_id, limit)
        if max_id is not None:
            ranked = next((r for r in self.cache.lists(viewer.id) if max_id in r.extras), None)
            FEED_CACHE.labels("miss" if ranked is None else "hit").inc()  # a later page: served from the list or not
            if ranked is None:
                return self._chronological(viewer, max_id, None, None, limit)
            self.list_source = "cached"
            ids = ranked.status_ids[ranked.status_ids.index(max_id) + 1:]
        else:
            ranked = self._first_page_list(viewer, alias)
            ids = ranked.status_ids
        page = first_visible(self.session, viewer, ids, limit)
        return page, {s.id: ranked.extras[s.id] for s in page}, ranked.ranking

    def _first_page_list(self, viewer: Account, alias: str) -> RankedFeed:
        cached = self.cache.lookup(viewer.id)
        if cached is not None:
            if cached.state == "stale" and self.refresher is not None:
                self.refresher.request(viewer.id, alias)
            self.list_source = "cached"
            return cached.value
        self.list_source = "ranked"
        ranked = self.rank(self.session, viewer, alias)
        if ranked.ranking == "model":
            self.cache.put(viewer.id, ranked)
        return ranked

    def _chronological(self, viewer, max_id, since_id, min_id, limit):
        page = HomeTimeline(self.session, self.settings)(viewer, max_id=max_id, since_id=since_id,
                                                         min_id=min_id, limit=limit)
        extras = {s.id: {"score": None, "model": "chronological", "why": ["newest first"], "source": "in_network"}
                  for s in page}
        return page, extras, "chronological"
