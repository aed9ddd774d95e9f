"""Trends: tags, statuses and links (Mastodon pages these by ``offset``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from platform_api.deps import AppSettings, DbSession, Viewer
from platform_api.serializers.status import StatusPresenter
from platform_api.serializers.tag import serialize_tag
from platform_api.trends import TRENDS_REQUESTS, TrendingStatuses, TrendingTags

router = APIRouter(prefix="/api/v1/trends", tags=["trends"])


def _offset_page(request: Request, body: list, *, offset: int, limit: int, source: str) -> JSONResponse:
    headers = {"X-Agora-Trends": source}
    if len(body) == limit:
        base = str(request.url.remove_query_params(["offset"]))
        sep = "&" if "?" in base else "?"
        headers["Link"] = f'<{base}{sep}offset={offset + limit}>; rel="next"'
    return JSONResponse(body, headers=headers)


@router.get("")
@router.get("/tags")
def trending_tags(request: Request, db: DbSession, settings: AppSettings,
                  limit: Annotated[int, Query(ge=1, le=20)] = 10, offset: Annotated[int, Query(ge=0)] = 0):
    tags = TrendingTags(db)
    body = [serialize_tag(name, settings, history) for name, history in tags(limit=limit, offset=offset)]
    TRENDS_REQUESTS.labels("tags", tags.source).inc()
    return _offset_page(request, body, offset=offset, limit=limit, source=tags.source)


@router.get("/statuses")
def trending_statuses(request: Request, db: DbSession, settings: AppSettings, viewer: Viewer,
                      limit: Annotated[int, Query(ge=1, le=40)] = 20, offset: Annotated[int, Query(ge=0)] = 0):
    trending = TrendingStatuses(db)
    page = trending(viewer, limit=limit, offset=offset)
    body = StatusPresenter(db, settings, viewer.id if viewer else None).render(page)
    TRENDS_REQUESTS.labels("statuses", trending.source).inc()
    return _offset_page(request, body, offset=offset, limit=limit, source=trending.source)


@router.get("/links")
def trending_links(limit: Annotated[int, Query(ge=1, le=20)] = 10, offset: Annotated[int, Query(ge=0)] = 0) -> list:
    return []  # no link previews are fetched yet
