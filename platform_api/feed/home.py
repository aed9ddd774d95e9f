from __future__ import annotations

import time

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.feed.experiments import CHRONOLOGICAL, Assignment, HomeFeedExperiment
from platform_api.feed.page_cache import RankedPageCache
from platform_api.feed.pipeline import HomeFeedPipeline
from platform_api.feed.query import FeedQuery
from platform_api.repositories import statuses
from platform_api.tables import Account, Status
from platform_api.timelines import HomeTimeline
from platform_api.visibility import VisibleStatuses


class RankedHomeTimeline:
    """A page of the ranked home feed. ``max_id`` continues after that item in the viewer's
    cached ranked list; newer-than queries (``since_id``/``min_id``) and lists that expired
    are answered in chronological order.

    With an experiment running, the viewer's arm decides the ranking (a ranker alias, or the
    chronological timeline) and is kept in ``assignment`` for the exposure log."""

    def __init__(self, session: Session, settings: Settings, pipeline: HomeFeedPipeline, cache: RankedPageCache,
                 experiment: HomeFeedExperiment | None = None):
        self.session = session
        self.settings = settings
        self.pipeline = pipeline
        self.cache = cache
        self.experiment = experiment
        self.assignment: Assignment | None = None

    def __call__(self, viewer: Account, *, max_id=None, since_id=None, min_id=None,
                 limit: int = 20) -> tuple[list[Status], dict[int, dict], str]:
        self.assignment = self.experiment.assign(viewer.id) if self.experiment else None
        alias = self.assignment.ranking if self.assignment else "champion"
        if since_id is not None or min_id is not None or alias == CHRONOLOGICAL:
            return self._chronological(viewer, max_id, since_id, min_id, limit)
        ranked = self.cache.get(viewer.id) if max_id is not None else None
        if ranked is None:
            ranked = self.pipeline.run(FeedQuery(self.session, self.settings, viewer, time.time(), ranker_alias=alias))
            if ranked.ranking == "model":
                self.cache.put(viewer.id, ranked)
        ids = ranked.status_ids
        if max_id is not None:
            if max_id not in ids:
                return self._chronological(viewer, max_id, None, None, limit)
            ids = ids[ids.index(max_id) + 1:]
        found = statuses.many(self.session, status_ids=ids[: limit * 2])
        visible = VisibleStatuses(self.session, viewer)([found[i] for i in ids[: limit * 2] if i in found])
        page = visible[:limit]
        return page, {s.id: ranked.extras[s.id] for s in page}, ranked.ranking

    def _chronological(self, viewer, max_id, since_id, min_id, limit):
        page = HomeTimeline(self.session, self.settings)(viewer, max_id=max_id, since_id=since_id,
                                                         min_id=min_id, limit=limit)
        extras = {s.id: {"score": None, "model": "chronological", "why": ["newest first"], "source": "in_network"}
                  for s in page}
        return page, extras, "chronological"
