"""Timelines: the ranked home feed (chronological on request or by preference)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from platform_api.deps import AppSettings, DbSession, require
from platform_api.feed.home import RankedHomeTimeline
from platform_api.pagination import link_header
from platform_api.serializers.status import StatusPresenter
from platform_api.tables import Account
from platform_api.timelines import HomeTimeline

router = APIRouter(prefix="/api/v1/timelines", tags=["timelines"])


@router.get("/home")
def home(request: Request, db: DbSession, settings: AppSettings,
         max_id: int | None = None, since_id: int | None = None, min_id: int | None = None,
         limit: Annotated[int, Query(ge=1, le=40)] = 20,
         order: Literal["ranked", "chronological"] | None = None,
         account: Account = require("read:statuses")):
    order = order or (account.user.feed_order if account.user else "ranked")
    if order == "chronological":
        page = HomeTimeline(db, settings)(account, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
        extras, ranking = None, "chronological"
    else:
        timeline = RankedHomeTimeline(db, settings, request.app.state.feed_pipeline, request.app.state.feed_cache)
        page, extras, ranking = timeline(account, max_id=max_id, since_id=since_id, min_id=min_id, limit=limit)
    body = StatusPresenter(db, settings, account.id).render(page, extras)
    return link_header(request, body, [s.id for s in page], headers={"X-Agora-Ranking": ranking})
