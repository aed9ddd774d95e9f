"""Search (``/api/v2/search``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from platform_api.deps import AppSettings, DbSession, Viewer
from platform_api.input_schemas import SearchParams
from platform_api.params import parse, request_params
from platform_api.serializers.account import serialize_account
from platform_api.serializers.status import StatusPresenter
from platform_api.serializers.tag import serialize_tag
from platform_api.services.search import Search

router = APIRouter(tags=["search"])


@router.get("/api/v2/search")
async def search_v2(request: Request, db: DbSession, settings: AppSettings, viewer: Viewer) -> dict:
    params = parse(SearchParams, await request_params(request))
    results = Search(db)(viewer, params)
    return {
        "accounts": [serialize_account(a, settings) for a in results.accounts],
        "statuses": StatusPresenter(db, settings, viewer.id if viewer else None).render(results.statuses),
        "hashtags": [serialize_tag(name, settings) for name in results.hashtags],
    }
