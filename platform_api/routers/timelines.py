"""Timelines: the ranked home feed (chronological on request or by preference), the public
timeline and hashtag timelines."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request

from platform_api.deps import AppSettings, DbSession, Viewer, require
from platform_api.feed.home import RankedHomeTimeline
from platform_api.feed.metrics import FEED_PAGE_SECONDS
from platform_api.feed.side_effects.exposures import log_exposure
from platform_api.pagination import link_header
from platform_api.serializers.status import StatusPresenter
from platform_api.tables import Account
from platform_api.timelines import HomeTimeline, PublicTimeline, TagTimeline

router = APIRouter(prefix="/api/v1/timelines", tags=["timelines"])

Limit = Annotated[int, Query(ge=1, le=40)]


@router.get("/home")
def home(request: Request, db: DbSession, settings: AppSettings, background: BackgroundTasks,
         max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
         limit: Annotated[int, Query(ge=1, le=40)] = 20,
         order: Literal["ranked", "chronological"] | None = None,
         account: Account = require("read:statuses")):
    started = time.perf_counter()
    order = order or (account.user.feed_order if account.user else "ranked")
    if order == "chronological":
        page = HomeTimeline(db, settings)(account, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        extras, ranking, list_source = None, "chronological", "chronological"
    else:
        state = request.app.state
        timeline = RankedHomeTimeline(db, settings, state.feed_pipeline, state.feed_cache, state.experiment,
                                      state.feed_refresher, state.ranking_pool)
        page, extras, ranking = timeline(account, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        list_source = timeline.list_source
        if timeline.assignment is not None:
            background.add_task(log_exposure, request.app.state.settings, account.id, timeline.assignment,
                                [s.id for s in page])
    body = StatusPresenter(db, settings, account.id).render(page, extras)
    request.app.state.impressions.record(account.id, [(s.id, s.account_id) for s in page])
    response = link_header(request, body, [s.id for s in page], headers={"X-Agora-Ranking": ranking})
    FEED_PAGE_SECONDS.labels(list_source).observe(time.perf_counter() - started)
    return response


@router.get("/public")
def public(request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
           local: bool = False, remote: bool = False, only_media: bool = False,
           max_id: int | None = None, since_id: int | None = None, min_id: int | None = None, limit: Limit = 20):
    page = PublicTimeline(db)(viewer, local=local, remote=remote, only_media=only_media, max_id=max_id,
                              since_id=since_id, min_id=min_id, limit=limit)
    body = StatusPresenter(db, settings, viewer.id if viewer else None).render(page)
    return link_header(request, body, [s.id for s in page])


@router.get("/tag/{hashtag}")
def tag(hashtag: str, request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
        any_tags: Annotated[list[str], Query(alias="any[]")] = [],
        all_tags: Annotated[list[str], Query(alias="all[]")] = [],
        none_tags: Annotated[list[str], Query(alias="none[]")] = [],
        local: bool = False, remote: bool = False, only_media: bool = False,
        max_id: int | None = None, since_id: int | None = None, min_id: int | None = None, limit: Limit = 20):
    page = TagTimeline(db)(viewer, hashtag, any_tags=any_tags, all_tags=all_tags, none_tags=none_tags,
                           local=local, remote=remote, only_media=only_media, max_id=max_id, since_id=since_id,
                           min_id=min_id, limit=limit)
    body = StatusPresenter(db, settings, viewer.id if viewer else None).render(page)
    return link_header(request, body, [s.id for s in page])
